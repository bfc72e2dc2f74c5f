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
}
