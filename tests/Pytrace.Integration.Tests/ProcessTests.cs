using Pytrace.Integration.Tests.Support;

namespace Pytrace.Integration.Tests;

/// <summary>Every Python process the program starts records into the same run, each under its own pid.</summary>
public class ProcessTests
{
    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Forked_and_spawned_children_are_recorded_with_their_pid(string minor)
    {
        using var run = new TracedRun(minor);
        var script = run.Write("children.py", """
            import multiprocessing, os, subprocess, sys

            def square(x):
                return x * x

            def in_child():
                return os.getpid()

            if __name__ == "__main__":
                pid = os.fork()
                if pid == 0:
                    in_child()
                    os._exit(0)
                os.waitpid(pid, 0)
                with multiprocessing.get_context("spawn").Pool(2) as pool:
                    print(sorted(pool.map(square, range(6))))
                with multiprocessing.get_context("fork").Pool(2) as pool:
                    print(sorted(pool.map(square, range(6, 10))))
                subprocess.run([sys.executable, "-c", "def sub(): return 1\nsub()"], check=True)
                print("forked", pid)
            """);
        var result = run.Trace(script);
        Assert.True(result.ExitCode == 0, result.Stderr);
        var calls = run.Calls();
        int parent = calls.Single(c => c.Func == "<module>" && c.Module == "__main__" && c.Depth == 0 && c.Parent is null && calls.IndexOf(c) == 0).Pid;
        string forked = result.Stdout.Split('\n').Single(l => l.StartsWith("forked ", StringComparison.Ordinal))[7..];
        var child = calls.Single(c => c.Func == "in_child");
        Assert.Equal(forked, child.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(child.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), child.Result);
        var squares = calls.Where(c => c.Func == "square").ToList();
        Assert.Equal(10, squares.Count);
        Assert.All(squares, s => Assert.NotEqual(parent, s.Pid));
        Assert.Single(calls, c => c.Func == "sub");
        Assert.True(run.Scalar<long>("SELECT count(*) FROM processes") >= 6);
        Assert.Equal(0L, run.Scalar<long>($"SELECT count(*) FROM processes WHERE pid = {child.Pid} AND ppid != {parent}"));
    }

    [Fact]
    public void Many_processes_at_once_get_smaller_rings_past_the_first_eight_and_lose_nothing()
    {
        using var run = new TracedRun("3.12");
        // Twelve forked children alive at once, each printing the size of its ring mapping, then calling work().
        var script = run.Write("many.py", """
            import os, time

            def ring_size():
                for line in open("/proc/self/maps"):
                    if "pytrace-" in line and line.rstrip().endswith("-%d" % os.getpid()):  # its own, not its parent's
                        start, end = (int(x, 16) for x in line.split()[0].split("-"))
                        return (end - start) >> 20

            def work(i):
                return i

            children = []
            for n in range(12):
                time.sleep(0.05)  # in order: each child's ring exists before the next one starts
                pid = os.fork()
                if pid == 0:
                    print(ring_size(), flush=True)
                    time.sleep(1.5)
                    for i in range(1000):
                        work(i)
                    os._exit(0)
                children.append(pid)
            for pid in children:
                os.waitpid(pid, 0)
            print("main", ring_size())
            """);
        var result = run.Trace(script);
        Assert.True(result.ExitCode == 0, result.Stderr);
        var sizes = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        Assert.Equal("main 16", sizes[^1]);
        // the main process's ring and seven children's are whole; the other five children's a quarter
        Assert.Equal([.. Enumerable.Repeat("16", 7), .. Enumerable.Repeat("4", 5)], sizes[..^1]);
        Assert.Equal(12_000, run.Calls().Count(c => c.Func == "work"));
        Assert.Equal(0L, run.Scalar<long>("SELECT dropped FROM runs"));
    }

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Every_way_of_starting_a_python_child_records_into_the_run(string minor)
    {
        using var run = new TracedRun(minor);
        var script = run.Write("ways.py", """
            import concurrent.futures, multiprocessing, os, subprocess, sys

            def mark(how):
                return how

            def in_pool(how):
                return mark(how)

            def grandchild():
                # a child of a child: a pool worker starts a Python of its own
                subprocess.run([sys.executable, "-c", "def mark(how): return how\nmark('grandchild')"], check=True)
                return mark("middle")

            if __name__ == "__main__":
                alias = os.path.join(os.path.dirname(os.path.abspath(__file__)), "interp")
                os.symlink(sys.executable, alias)  # any path to python, not only argv[0] == 'python'
                subprocess.run([alias, "-c", "def mark(how): return how\nmark('alias')"], check=True)
                os.system("'%s' -c \"def mark(how): return how\nmark('system')\"" % sys.executable)
                pid = os.fork()
                if pid == 0:
                    os.execv(sys.executable, [sys.executable, "-c", "def mark(how): return how\nmark('execv')"])
                os.waitpid(pid, 0)
                with multiprocessing.get_context("forkserver").Pool(1) as pool:
                    pool.apply(in_pool, ("forkserver",))
                with concurrent.futures.ProcessPoolExecutor(1) as executor:
                    executor.submit(in_pool, "executor").result()
                process = multiprocessing.Process(target=in_pool, args=("process",))
                process.start()
                process.join()
                with multiprocessing.get_context("spawn").Pool(1) as pool:
                    pool.apply(grandchild)
                subprocess.run(["/bin/echo", "not python"], check=True)
                print("parent", os.getpid())
            """);
        var result = run.Trace(script);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("not python\n", result.Stdout);
        int parent = int.Parse(result.Stdout.Split('\n').Single(l => l.StartsWith("parent ", StringComparison.Ordinal))[7..], System.Globalization.CultureInfo.InvariantCulture);
        var marks = run.Calls().Where(c => c.Func == "mark").ToDictionary(c => c.Args[0].Value.Trim('\''));
        Assert.Equal(["alias", "executor", "execv", "forkserver", "grandchild", "middle", "process", "system"], marks.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(marks.Count, marks.Values.Select(m => m.Pid).Distinct().Count());
        Assert.All(marks.Values, m => Assert.NotEqual(parent, m.Pid));
        Assert.All(marks.Values, m => Assert.Equal(m.Pid, m.Tid)); // each ran on its process's main thread
        int middle = marks["middle"].Pid, grandchild = marks["grandchild"].Pid;
        Assert.Equal(1L, run.Scalar<long>($"SELECT count(*) FROM processes WHERE pid = {grandchild} AND ppid = {middle}"));
    }

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void A_child_still_starting_when_the_program_exits_is_waited_for(string minor)
    {
        using var run = new TracedRun(minor);
        var script = run.Write("leaves.py", """
            import subprocess, sys
            subprocess.Popen([sys.executable, "-c", "import time\ndef late(): return 'late'\ntime.sleep(0.3)\nlate()"])
            subprocess.Popen(["sleep", "5"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # not Python: not waited for
            """);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = run.Trace(script);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Single(run.Calls(), c => c.Func == "late" && c.Result == "'late'");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4.5), $"the run waited {clock.Elapsed} for a program that is not Python");
    }

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Killed_and_abandoned_children_keep_what_they_recorded(string minor)
    {
        using var run = new TracedRun(minor);
        var script = run.Write("killed.py", """
            import multiprocessing, os, signal

            def work(i):
                return i

            def forever(started):
                for i in range(500):
                    work(i)
                started.set()
                while True:
                    work(i)
                    i += 1

            if __name__ == "__main__":
                pid = os.fork()
                if pid == 0:
                    for i in range(2000):
                        work(i)
                    os.kill(os.getpid(), signal.SIGKILL)
                os.waitpid(pid, 0)
                pid = os.fork()
                if pid == 0:
                    for i in range(1000):
                        work(i)
                    os._exit(3)
                os.waitpid(pid, 0)
                context = multiprocessing.get_context("fork")
                started = context.Manager().Event()
                pool = context.Pool(2)
                pool.apply_async(forever, (started,))
                started.wait()
                pool.terminate()
                pool.join()
            """);
        var result = run.Trace(script);
        Assert.True(result.ExitCode == 0, result.Stderr);
        var byPid = run.Calls().Where(c => c.Func == "work").GroupBy(c => c.Pid).Select(g => g.Count()).ToList();
        Assert.Contains(2000, byPid);
        Assert.Contains(1000, byPid);
        Assert.Equal(3, byPid.Count);
        Assert.Contains(byPid, n => n >= 500); // the terminated worker's
        Assert.Equal(0L, run.Scalar<long>("SELECT count(*) FROM runs WHERE ended_ns IS NULL"));
    }
}
