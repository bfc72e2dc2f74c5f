using System.Globalization;
using Pytrace.Integration.Tests.Support;

namespace Pytrace.Integration.Tests;

/// <summary>The Python API from a plain `python`: start/stop/trace, log, and clear errors for wrong use.</summary>
public class ApiTests
{
    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Start_and_stop_record_only_what_runs_between_them(string minor)
    {
        using var run = new TracedRun(minor);
        var script = run.Write("part.py", """
            import os, sys
            import pytrace

            def add(a, b):
                pytrace.log("adding", a=a, b=b)
                return a + b

            def main():
                add(1, 2)
                pytrace.start("traces.sqlite")
                print("tracing", pytrace.is_tracing())
                add(3, 4)
                pytrace.stop()
                add(5, 6)
                with pytrace.trace("traces.sqlite", append=True):
                    add(7, 8)
                print("after", pytrace.is_tracing(), os.environ.get("PYTRACE_SESSION"))
                print(os.getpid())

            main()
            sys.exit(3)
            """);
        var result = run.WithModule(script);
        Assert.True(result.ExitCode == 3, result.Stderr);
        var output = result.Stdout.Split('\n');
        Assert.Equal(["tracing True", "after False None"], output[..2]);
        Assert.Equal("", result.Stderr);
        var calls = run.Calls();
        Assert.Equal(["add(a=3, b=4)", "log(message='adding', a=3, b=4)", "add(a=7, b=8)", "log(message='adding', a=7, b=8)"],
            calls.Select(c => $"{c.Func}({c.ArgText})"));
        Assert.Equal(2L, run.Scalar<long>("SELECT count(DISTINCT run) FROM call_view"));
        var log = calls[1];
        Assert.Equal((2, 1, calls[0].Id, "__main__", 1), (log.Kind, log.Depth, log.Parent ?? 0, log.Module, log.End));
        Assert.Equal((long?)log.StartNs, log.EndNs);
        Assert.Equal(5L, run.Scalar<long>($"SELECT f.line FROM calls c JOIN functions f ON f.id = c.function WHERE c.id = {log.Id}"));
        Assert.Equal(script, run.Scalar<string>($"SELECT f.file FROM calls c JOIN functions f ON f.id = c.function WHERE c.id = {log.Id}"));
        Assert.Equal(0L, run.Scalar<long>("SELECT count(*) FROM runs WHERE ended_ns IS NULL"));
        Assert.Empty(Directory.GetFiles("/dev/shm", $"pytrace-{output[2]}p*")); // every ring drained and removed
    }

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Wrong_use_raises_a_clear_exception(string minor)
    {
        using var run = new TracedRun(minor);
        var script = run.Write("wrong.py", """
            import os
            import pytrace

            def attempt(what, call):
                try:
                    call()
                except Exception as error:
                    print("%s: %s: %s" % (what, type(error).__name__, error))

            attempt("stop first", pytrace.stop)
            attempt("unknown option", lambda: pytrace.start("t.sqlite", bufer_size="1M"))
            attempt("bad value", lambda: pytrace.start("t.sqlite", on_full="block"))
            attempt("bad size", lambda: pytrace.start("t.sqlite", buffer_size="lots"))
            attempt("no folder", lambda: pytrace.start("missing/t.sqlite"))
            pytrace.start("t.sqlite")
            attempt("twice", lambda: pytrace.start("t.sqlite"))
            pytrace.stop()
            attempt("stop again", pytrace.stop)
            attempt("notrace", lambda: pytrace.notrace(len))
            os.environ["PYTRACE_RING_DIR"] = "/no/such/folder"
            attempt("ring folder", lambda: pytrace.start("t.sqlite"))
            print("tracing", pytrace.is_tracing(), os.environ.get("PYTRACE_SESSION"))
            """);
        var result = run.WithModule(script);
        Assert.True(result.ExitCode == 0, result.Stderr);
        var lines = result.Stdout.TrimEnd('\n').Split('\n');
        Assert.Equal("stop first: PytraceError: pytrace.stop() without pytrace.start()", lines[0]);
        Assert.StartsWith("unknown option: TypeError: ", lines[1]);
        Assert.Contains("'bufer_size'", lines[1]);
        Assert.Equal("bad value: ValueError: pytrace: on_full is 'drop' or 'wait', not 'block'", lines[2]);
        Assert.Equal("bad size: ValueError: pytrace: buffer_size wants a size from 64K to 16G such as 256M, not 'lots'", lines[3]);
        Assert.Equal("no folder: PytraceError: pytrace.start(): cannot write the database 'missing/t.sqlite': its folder does not exist", lines[4]);
        Assert.StartsWith("twice: PytraceError: pytrace.start(): already recording into ", lines[5]);
        Assert.Equal("stop again: PytraceError: pytrace.stop() without pytrace.start()", lines[6]);
        Assert.Equal("notrace: TypeError: notrace() needs a Python function, not builtin_function_or_method", lines[7]);
        Assert.Equal("ring folder: PytraceError: pytrace.start(): the ring folder '/no/such/folder' does not exist; unset PYTRACE_RING_DIR or create it", lines[8]);
        Assert.Equal("tracing False None", lines[9]);
        Assert.Equal(10, lines.Length);
        Assert.False(Directory.Exists(Path.Combine(run.Folder, "missing")));
    }

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Children_started_while_tracing_record_into_the_same_run(string minor)
    {
        using var run = new TracedRun(minor);
        var script = run.Write("kids.py", """
            import multiprocessing, os, subprocess, sys
            import pytrace

            def square(x):
                return x * x

            def in_child():
                return os.getpid()

            if __name__ == "__main__":
                with pytrace.trace("traces.sqlite"):
                    with multiprocessing.get_context("fork").Pool(2) as pool:
                        print(sorted(pool.map(square, range(6))))
                    with multiprocessing.get_context("spawn").Pool(2) as pool:
                        print(sorted(pool.map(square, range(6, 10))))
                    subprocess.run([sys.executable, "-c", "def sub(): return 1\nsub()"], check=True)
                    pid = os.fork()
                    if pid == 0:
                        in_child()
                        os._exit(0)
                    os.waitpid(pid, 0)
                subprocess.run([sys.executable, "-c", "def untraced(): return 1\nuntraced()"], check=True)
                print("forked", pid, "parent", os.getpid())
            """);
        var result = run.WithModule(script);
        Assert.True(result.ExitCode == 0, result.Stderr);
        var last = result.Stdout.TrimEnd('\n').Split('\n')[^1].Split(' ');
        int forked = int.Parse(last[1], CultureInfo.InvariantCulture), parent = int.Parse(last[3], CultureInfo.InvariantCulture);
        var calls = run.Calls();
        Assert.Equal(10, calls.Count(c => c.Func == "square"));
        Assert.All(calls.Where(c => c.Func == "square"), c => Assert.NotEqual(parent, c.Pid));
        Assert.Equal(forked, calls.Single(c => c.Func == "in_child").Pid);
        Assert.Single(calls, c => c.Func == "sub");
        Assert.DoesNotContain(calls, c => c.Func == "untraced");
        Assert.Equal(0L, run.Scalar<long>($"SELECT count(*) FROM processes WHERE pid = {forked} AND ppid != {parent}"));
        Assert.True(run.Scalar<long>("SELECT count(*) FROM processes") >= 5);
    }

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void A_program_that_ends_without_stop_keeps_its_calls(string minor)
    {
        using var run = new TracedRun(minor);
        var exits = run.Write("exits.py", """
            import pytrace

            def step(i):
                return i

            pytrace.start("traces.sqlite")
            for i in range(1000):
                step(i)
            raise SystemExit(4)
            """);
        var result = run.WithModule(exits);
        Assert.True(result.ExitCode == 4, result.Stderr);
        Assert.Equal(1000L, run.Scalar<long>("SELECT count(*) FROM calls c JOIN functions f ON f.id = c.function WHERE f.name = 'step'"));

        var dies = run.Write("dies.py", """
            import os
            import pytrace

            def step(i):
                return i

            pytrace.start("died.sqlite")
            for i in range(1000):
                step(i)
            os._exit(5)
            """);
        result = run.WithModule(dies);
        Assert.Equal(5, result.ExitCode);
        // The dumper finishes on its own once the program is gone.
        string db = Path.Combine(run.Folder, "died.sqlite");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        long ended = 0;
        while (DateTime.UtcNow < deadline && (ended = Query(db, "SELECT count(*) FROM runs WHERE ended_ns IS NOT NULL")) == 0) Thread.Sleep(100);
        Assert.Equal(1, ended);
        Assert.Equal(1000L, Query(db, "SELECT count(*) FROM calls c JOIN functions f ON f.id = c.function WHERE f.name = 'step'"));
    }

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void A_child_that_outlives_stop_keeps_recording_into_the_run(string minor)
    {
        using var run = new TracedRun(minor);
        var script = run.Write("outlives.py", """
            import subprocess, sys
            import pytrace

            with pytrace.trace("traces.sqlite"):
                child = subprocess.Popen([sys.executable, "-c",
                    "import sys\ndef late(): return 'late'\nsys.stdin.readline()\nlate()"], stdin=subprocess.PIPE)
            print("stopped while the child runs", child.poll() is None)
            child.stdin.write(b"go\n")
            child.stdin.close()
            child.wait()
            """);
        var result = run.WithModule(script);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("stopped while the child runs True\n", result.Stdout);
        // The dumper stays for the child and closes the run when it has gone.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && Query(run.Db, "SELECT count(*) FROM runs WHERE ended_ns IS NOT NULL") == 0) Thread.Sleep(100);
        Assert.Equal(1L, Query(run.Db, "SELECT count(*) FROM call_view c WHERE c.name = 'late' AND c.result = '''late'''"));
    }

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Under_the_pytrace_command_the_api_records_into_its_run(string minor)
    {
        using var run = new TracedRun(minor);
        var script = run.Write("both.py", """
            import pytrace

            def work(n):
                pytrace.log("working", n=n, items=[1, 2])
                return n * 2

            @pytrace.trace("other.sqlite")
            def decorated():
                return work(2)

            with pytrace.trace("other.sqlite"):
                work(1)
            decorated()
            pytrace.stop()
            """);
        var result = run.Trace(script);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.False(File.Exists(Path.Combine(run.Folder, "other.sqlite")));
        var logs = run.Calls().Where(c => c.Kind == 2).ToList();
        Assert.Equal(["message='working', n=1, items=[1, 2]", "message='working', n=2, items=[1, 2]"], logs.Select(l => l.ArgText));
        Assert.All(logs, l => Assert.Equal("work", run.Calls().Single(c => c.Id == l.Parent).Func));
        Assert.Equal(["str", "int", "list"], logs[0].Args.Select(a => a.Type));
    }

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void The_trace_decorator_records_each_call_of_the_function(string minor)
    {
        using var run = new TracedRun(minor);
        var script = run.Write("deco.py", """
            import pytrace

            def inner(x):
                return x + 1

            @pytrace.trace("traces.sqlite", append=True)
            def handler(x):
                return inner(x)

            @pytrace.trace("traces.sqlite", append=True)
            def countdown(n):
                return countdown(n - 1) if n else 0

            handler(1)
            inner(100)
            handler(2)
            countdown(2)
            """);
        var result = run.WithModule(script);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(["handler(x=1)", "inner(x=1)", "handler(x=2)", "inner(x=2)", "countdown(n=2)", "countdown(n=1)", "countdown(n=0)"],
            run.Calls().Select(c => $"{c.Func}({c.ArgText})"));
        Assert.Equal([0, 1, 2], run.Calls().Where(c => c.Func == "countdown").Select(c => c.Depth));
        Assert.Equal(3L, run.Scalar<long>("SELECT count(*) FROM runs"));
    }

    [Fact]
    public void Help_shows_the_api_and_pythonpath_names_only_pytraces_own_folder()
    {
        var folder = ProcessRun.Run(Repo.Pytrace, ["pythonpath"]);
        Assert.Equal(0, folder.ExitCode);
        Assert.Equal(Repo.PythonPath, folder.Stdout.Trim());
        Assert.True(File.Exists(Path.Combine(Repo.Package, "__init__.pyi")));
        Assert.Equal(["sitecustomize.py"], Directory.GetFileSystemEntries(Repo.PythonPath).Select(Path.GetFileName).Where(n => n != "__pycache__"));
        using var run = new TracedRun(Pythons.Minors.First(m => Pythons.Find(m) is not null));
        var script = run.Write("help.py", "import pydoc, pytrace\nprint(pydoc.render_doc(pytrace, renderer=pydoc.plaintext))\n");
        var help = run.WithModule(script);
        Assert.True(help.ExitCode == 0, help.Stderr);
        foreach (var name in new[] { "start(db='traces.sqlite'", "stop()", "class trace", "log(message, **fields)", "notrace(function)", "class PytraceError" })
            Assert.Contains(name, help.Stdout);
    }

    private static long Query(string db, string sql)
    {
        if (!File.Exists(db)) return 0;
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        try
        {
            return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            return 0; // not created yet
        }
    }
    /// <summary>3.11+ hook the interpreter (frame evaluator, sys.monitoring), not each thread: a thread already
    /// running at start() has its later calls recorded. 3.8-3.10 hook threads as they start.</summary>
    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void A_thread_running_before_start_is_recorded_from_3_11(string minor)
    {
        using var run = new TracedRun(minor);
        var script = run.Write("early.py", """
            import threading
            import pytrace

            def step(i):
                return i

            go = threading.Event()
            def work():
                go.wait()
                for i in range(10):
                    step(i)

            t = threading.Thread(target=work)
            t.start()
            pytrace.start("traces.sqlite")
            go.set()
            t.join()
            pytrace.stop()
            """);
        var result = run.WithModule(script);
        Assert.True(result.ExitCode == 0, result.Stderr);
        bool perInterpreter = Pythons.Minors.IndexOf(minor) >= 3;
        Assert.Equal(perInterpreter ? 10L : 0L, run.Scalar<long>("SELECT count(*) FROM calls c JOIN functions f ON f.id = c.function WHERE f.name = 'step'"));
    }
}
