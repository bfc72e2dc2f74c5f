using System.Diagnostics;
using System.Runtime.InteropServices;
using Pytrace.Integration.Tests.Support;

namespace Pytrace.Integration.Tests;

/// <summary>A traced program behaves as untraced: output, exit code, exceptions, signals; and nothing recorded is lost.</summary>
public partial class BehaviourTests
{
    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Output_and_exit_code_are_unchanged(string minor)
    {
        using var run = new TracedRun(minor);
        var script = run.Write("io.py", """
            import sys
            print("to stdout", sys.argv[1:])
            print("to stderr", file=sys.stderr)
            sys.exit(7)
            """);
        var plain = ProcessRun.Run(run.Python, [script, "a", "--flag"], run.Folder);
        var traced = ProcessRun.Run(Repo.Pytrace, ["--python", run.Python, "--db", run.Db, script, "a", "--flag"], run.Folder);
        Assert.Equal(7, plain.ExitCode);
        Assert.Equal(plain.ExitCode, traced.ExitCode);
        Assert.Equal(plain.Stdout, traced.Stdout);
        Assert.Equal(plain.Stderr, WithoutSummary(traced.Stderr));
    }

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void An_uncaught_exception_prints_the_same_traceback(string minor)
    {
        using var run = new TracedRun(minor);
        var script = run.Write("crash.py", """
            def inner(x):
                raise KeyError(x)

            def outer():
                inner("missing")

            outer()
            """);
        var plain = run.Untraced(script);
        var traced = run.Trace(script);
        Assert.Equal(1, traced.ExitCode);
        Assert.Equal(plain.Stderr, WithoutSummary(traced.Stderr));
        var inner = run.Calls().Single(c => c.Func == "inner");
        Assert.Equal((3, "KeyError", "KeyError('missing')"), (inner.End, inner.ResultType, inner.Result));
    }

    /// <summary>
    /// Recursion far past the default limit, which the program raised. 3.8-3.10 overflow the C stack there untraced
    /// too, so they are not asked. 3.11 records through a frame evaluator, which makes each Python call take C stack:
    /// where that stack is nearly full, the program gets a RecursionError it can handle, never a crash.
    /// </summary>
    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Deep_recursion_under_a_raised_limit_runs_or_raises_RecursionError(string minor)
    {
        using var run = new TracedRun(minor);
        var script = run.Write("deep.py", """
            import sys
            sys.setrecursionlimit(10 ** 6)
            def down(n): return 0 if n == 0 else 1 + down(n - 1)
            print(down(8000))
            if sys.version_info >= (3, 11):
                try:
                    print(down(200000))
                except RecursionError as e:
                    print("RecursionError", "C stack" in str(e))
            """);
        var plain = run.Untraced(script);
        var traced = run.Trace(script);
        Assert.Equal((0, 0), (plain.ExitCode, traced.ExitCode));
        string expected = minor == "3.11" ? "8000\nRecursionError True\n" : plain.Stdout;
        Assert.Equal(expected, traced.Stdout);
        Assert.True(run.Scalar<long>("SELECT count(*) FROM calls c JOIN functions f ON f.id = c.function WHERE f.name = 'down'") >= 8001);
    }

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Ctrl_c_interrupts_the_program_and_keeps_what_was_recorded(string minor)
    {
        using var run = new TracedRun(minor);
        var script = run.Write("wait.py", """
            import sys, time

            def step(i):
                return i

            def wait_forever():
                for i in range(100):
                    step(i)
                print("ready", flush=True)
                while True:
                    time.sleep(0.05)

            wait_forever()
            """);
        // A terminal sends SIGINT to the whole foreground process group: pytrace and the program.
        using var process = ProcessRun.Start("setsid", [Repo.Pytrace, "--python", run.Python, "--db", run.Db, script], run.Folder);
        Assert.Equal("ready", process.StandardOutput.ReadLine());
        Thread.Sleep(300);
        Assert.Equal(0, Kill(-process.Id, 2));
        var result = ProcessRun.Finish(process, TimeSpan.FromSeconds(60));
        Assert.Contains("KeyboardInterrupt", result.Stderr);
        Assert.Equal(130, result.ExitCode);
        var calls = run.Calls();
        Assert.Equal(100, calls.Count(c => c.Func == "step" && c.End == 1));
        var wait = calls.Single(c => c.Func == "wait_forever");
        Assert.Equal((3, "KeyboardInterrupt"), (wait.End, wait.ResultType));
    }

    [Fact]
    public void Rings_left_by_a_pytrace_that_is_gone_are_removed_and_no_other_file()
    {
        using var run = new TracedRun("3.12");
        string rings = Directory.CreateTempSubdirectory("pytrace-rings-").FullName;
        string deadDumper = Path.Combine(rings, "pytrace-999999x1f-999999");   // its dumper (pid 999999) is gone
        string liveDumper = Path.Combine(rings, $"pytrace-{Environment.ProcessId}x2f-999998"); // its dumper lives
        string link = Path.Combine(rings, "pytrace-999997x3f-999997");
        File.WriteAllBytes(deadDumper, new byte[4096]);
        File.WriteAllBytes(liveDumper, new byte[4096]);
        File.CreateSymbolicLink(link, run.Write("target.txt", "not a ring\n"));
        var result = ProcessRun.Run(Repo.Pytrace, ["--python", run.Python, "--db", run.Db, run.Write("x.py", "print(1)\n")], run.Folder,
            new Dictionary<string, string> { ["PYTRACE_RING_DIR"] = rings });
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("pytrace: removed 1 shared-memory ring(s) left by a pytrace that did not finish", result.Stderr);
        Assert.False(File.Exists(deadDumper));
        Assert.True(File.Exists(liveDumper));
        Assert.True(File.Exists(link));
        Assert.Equal("not a ring\n", File.ReadAllText(Path.Combine(run.Folder, "target.txt")));
        Directory.Delete(rings, recursive: true);
    }

    [Fact]
    public void Signals_sent_to_pytrace_reach_the_program_and_pytrace_ends_as_it_does()
    {
        using var run = new TracedRun("3.12");
        var script = run.Write("sig.py", """
            import signal, sys, time
            got = []
            signal.signal(signal.SIGUSR1, lambda s, f: got.append("usr1"))
            signal.signal(signal.SIGUSR2, lambda s, f: got.append("usr2"))
            print("ready", flush=True)
            while len(got) < 2:
                time.sleep(0.02)
            print(got, flush=True)
            while True:  # SIGALRM's default action ends it
                time.sleep(0.02)
            """);
        using var process = ProcessRun.Start(Repo.Pytrace, ["--python", run.Python, "--db", run.Db, script], run.Folder);
        Assert.Equal("ready", process.StandardOutput.ReadLine());
        Assert.Equal(0, Kill(process.Id, 10));
        Thread.Sleep(200);
        Assert.Equal(0, Kill(process.Id, 12));
        Assert.Equal("['usr1', 'usr2']", process.StandardOutput.ReadLine());
        Assert.Equal(0, Kill(process.Id, 14));
        var result = ProcessRun.Finish(process, TimeSpan.FromSeconds(60));
        Assert.Equal(128 + 14, result.ExitCode); // died of SIGALRM, as the program did
        Assert.Equal(2, run.Calls().Count(c => c.Func == "<lambda>" && c.Module == "__main__"));
    }

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void A_program_killed_with_sigkill_keeps_everything_its_ring_received(string minor)
    {
        using var run = new TracedRun(minor);
        var script = run.Write("die.py", """
            import os, signal

            def work(i):
                return i * i

            for i in range(5000):
                work(i)
            os.kill(os.getpid(), signal.SIGKILL)
            """);
        var result = run.Trace(script);
        Assert.Equal(137, result.ExitCode);
        Assert.Equal(5000, run.Calls().Count(c => c.Func == "work" && c.End == 1));
        Assert.Equal(0L, run.Scalar<long>("SELECT count(*) FROM runs WHERE dropped > 0"));
    }

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Fork_warns_about_threads_only_when_the_program_has_them(string minor)
    {
        using var run = new TracedRun(minor);
        var script = run.Write("forks.py", """
            import os, sys, threading, time

            def fork_and_wait():
                pid = os.fork()
                if pid == 0:
                    os._exit(0)
                os.waitpid(pid, 0)

            fork_and_wait()  # single-threaded: no warning
            worker = threading.Thread(target=time.sleep, args=(0.3,))
            worker.start()
            fork_and_wait()  # 3.12+: warns, traced or not
            worker.join()
            fork_and_wait()
            """);
        var plain = run.Untraced(script);
        var traced = run.Trace(script);
        Assert.True(traced.ExitCode == 0, traced.Stderr);
        Assert.Equal(WithoutPids(plain.Stderr), WithoutPids(WithoutSummary(traced.Stderr)));
    }

    [Fact]
    public void The_summary_starts_on_its_own_line_after_an_unfinished_one_and_adds_no_empty_line()
    {
        using var run = new TracedRun("3.12");
        foreach (var (text, expected) in new[] { ("partial", "partial\npytrace: "), ("whole\\n", "whole\npytrace: ") })
        {
            var script = run.Write("err.py", $"import sys\nsys.stderr.write(\"{text}\")\n");
            string log = Path.Combine(run.Folder, "stderr.txt");
            var result = ProcessRun.Run("bash", ["-c", "\"$0\" --python \"$1\" --db \"$2\" \"$3\" 2>\"$4\"",
                Repo.Pytrace, run.Python, run.Db, script, log], run.Folder);
            Assert.Equal(0, result.ExitCode);
            Assert.StartsWith(expected, File.ReadAllText(log));
        }
    }

    private static string WithoutPids(string stderr) => System.Text.RegularExpressions.Regex.Replace(stderr, @"\(pid=\d+\)", "(pid=N)");

    /// <summary>The program's own stderr: pytrace's lines (the summary) removed.</summary>
    private static string WithoutSummary(string stderr) =>
        System.Text.RegularExpressions.Regex.Replace(stderr, "^pytrace: .*(\n|$)", "", System.Text.RegularExpressions.RegexOptions.Multiline);

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
