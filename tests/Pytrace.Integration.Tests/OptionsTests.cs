using Pytrace.Integration.Tests.Support;

namespace Pytrace.Integration.Tests;

/// <summary>Run options that change what is kept: waiting instead of dropping, appending, keeping the newest, @notrace.</summary>
public class OptionsTests
{
    private const string Busy = """
        def f(i):
            return i

        for i in range(200000):
            f(i)
        """;

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void On_full_wait_loses_nothing_even_with_a_tiny_buffer(string minor)
    {
        using var run = new TracedRun(minor);
        var result = run.Trace(run.Write("busy.py", Busy), "--buffer-size", "64K", "--on-full", "wait");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(0L, run.Scalar<long>("SELECT dropped FROM runs"));
        Assert.Equal(200000L, run.Scalar<long>("SELECT count(*) FROM calls c JOIN functions f ON f.id = c.function WHERE f.name = 'f' AND c.end_kind = 1"));
    }

    [Fact]
    public void Two_runs_appending_to_one_database_at_the_same_time_both_land()
    {
        using var run = new TracedRun("3.12");
        var a = run.Write("a.py", "def from_a(i):\n    return i\n\nfor i in range(20000):\n    from_a(i)\n");
        var b = run.Write("b.py", "def from_b(i):\n    return i\n\nfor i in range(20000):\n    from_b(i)\n");
        using var first = ProcessRun.Start(Repo.Pytrace, ["--python", run.Python, "--db", run.Db, "--append", a], run.Folder);
        using var second = ProcessRun.Start(Repo.Pytrace, ["--python", run.Python, "--db", run.Db, "--append", b], run.Folder);
        var r1 = ProcessRun.Finish(first, TimeSpan.FromSeconds(90));
        var r2 = ProcessRun.Finish(second, TimeSpan.FromSeconds(90));
        Assert.True(r1.ExitCode == 0 && r2.ExitCode == 0, r1.Stderr + r2.Stderr);
        Assert.Equal(2L, run.Scalar<long>("SELECT count(*) FROM runs"));
        Assert.Equal(20000L, run.Scalar<long>("SELECT count(*) FROM calls c JOIN functions f ON f.id = c.function WHERE f.name = 'from_a'"));
        Assert.Equal(20000L, run.Scalar<long>("SELECT count(*) FROM calls c JOIN functions f ON f.id = c.function WHERE f.name = 'from_b'"));
        Assert.Equal(0L, run.Scalar<long>("SELECT count(*) FROM call_view c WHERE parent IS NOT NULL AND NOT EXISTS (SELECT 1 FROM call_view p WHERE p.id = c.parent AND p.run = c.run)"));
    }

    [Fact]
    public void Max_traces_keeps_the_newest_calls()
    {
        using var run = new TracedRun("3.12");
        var result = run.Trace(run.Write("busy.py", Busy), "--max-traces", "50000");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(50000L, run.Scalar<long>("SELECT count(*) FROM calls"));
        Assert.Equal("199999", run.Scalar<string>("SELECT max(CAST(value AS INTEGER)) FROM arg_view"));
        long recorded = run.Scalar<long>("SELECT calls FROM runs");
        Assert.Contains($"pytrace: 50,000 calls kept (the newest) of {recorded:N0} recorded from 1 process", result.Stderr);
        Assert.Contains($"; {recorded - 50000:N0} older calls trimmed by --max-traces; no records dropped", result.Stderr);
    }

    [Theory]
    [InlineData("-m", "no_such_module_anywhere")]
    [InlineData("broken.py", null)]
    public void A_program_that_never_starts_leaves_the_previous_trace(string first, string? second)
    {
        using var run = new TracedRun("3.12");
        Assert.Equal(0, run.Trace(run.Write("good.py", "def f(x):\n    return x\nf(1)\n")).ExitCode);
        var before = run.Calls().Select(c => c.Func).ToList();
        run.Write("broken.py", "def f(:\n");
        var result = ProcessRun.Run(Repo.Pytrace, second is null ? ["--python", run.Python, "--db", run.Db, first] : ["--python", run.Python, "--db", run.Db, first, second], run.Folder);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"pytrace: no calls recorded; {run.Db} keeps the previous trace", result.Stderr);
        Assert.Equal(before, run.Calls().Select(c => c.Func).ToList());
        Assert.Equal(1L, run.Scalar<long>("SELECT count(*) FROM runs"));
        Assert.DoesNotContain(Directory.GetFiles(run.Folder), f => Path.GetFileName(f).Contains("previous"));
    }

    [Fact]
    public void A_run_that_records_replaces_the_previous_trace_and_leaves_nothing_of_it()
    {
        using var run = new TracedRun("3.12");
        // Large enough that deleting it takes a while: it is deleted while the second run records, and waited for.
        Assert.Equal(0, run.Trace(run.Write("many.py", "def f(x):\n    return x\nfor i in range(200000):\n    f(i)\n")).ExitCode);
        Assert.Equal(0, run.Trace(run.Write("one.py", "def g(x):\n    return x\ng(1)\n")).ExitCode);
        Assert.Equal(["<module>", "g"], run.Calls().Select(c => c.Func).ToList());
        Assert.Equal(1L, run.Scalar<long>("SELECT count(*) FROM runs"));
        Assert.DoesNotContain(Directory.GetFiles(run.Folder), f => Path.GetFileName(f).Contains("previous"));
    }

    [Fact]
    public void Recording_settings_left_in_the_environment_do_not_apply()
    {
        using var run = new TracedRun("3.12");
        var script = run.Write("x.py", "def f():\n    return 1\nf()\n");
        var result = ProcessRun.Run(Repo.Pytrace, ["--python", run.Python, "--db", run.Db, script], run.Folder,
            new Dictionary<string, string> { ["PYTRACE_MODULES"] = "/somewhere/else", ["PYTRACE_IGNORE_SITE_PACKAGES"] = "1" });
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Single(run.Calls(), c => c.Func == "f");
    }

    [Fact]
    public void Max_traces_trims_only_the_run_being_recorded()
    {
        using var run = new TracedRun("3.12");
        var script = run.Write("busy.py", Busy);
        Assert.Equal(0, run.Trace(script, "--max-traces", "0").ExitCode);
        long first = run.Scalar<long>("SELECT count(*) FROM calls");
        var second = run.Trace(script, "--append", "--max-traces", "1000");
        Assert.True(second.ExitCode == 0, second.Stderr);
        Assert.Equal(first, run.Scalar<long>("SELECT count(*) FROM call_view WHERE run = 1"));
        Assert.Equal(1000L, run.Scalar<long>("SELECT count(*) FROM call_view WHERE run = 2"));
    }

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Notrace_skips_the_function_and_everything_it_calls(string minor)
    {
        using var run = new TracedRun(minor);
        var result = run.Trace(run.Write("hot.py", """
            from pytrace import notrace

            def inner(x):
                return x + 1

            @notrace
            def hot(x):
                return inner(x) * 2

            def cold(x):
                return inner(x) + hot(x)

            print(cold(1))
            """));
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("6\n", result.Stdout);
        var funcs = run.Calls().Select(c => c.Func).ToList();
        Assert.Equal(["<module>", "cold", "inner"], funcs.Where(f => f is "<module>" or "cold" or "inner" or "hot").ToList());
    }

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Notrace_holds_through_recursion_generators_exceptions_threads_and_late_marking(string minor)
    {
        using var run = new TracedRun(minor);
        var result = run.Trace(run.Write("hot.py", """
            import threading
            import pytrace
            from pytrace import notrace

            def inner(x):
                pytrace.log("inner", x=x)
                return x + 1

            def failing(x):
                raise ValueError(x)

            @notrace
            def hot(n):
                inner(n)
                return hot(n - 1) if n else list(numbers(2))

            @notrace
            def numbers(n):
                for i in range(n):
                    yield inner(i)

            @notrace
            def explode():
                inner(0)
                failing("boom")

            def late(x):
                return inner(x)

            def main():
                hot(3)
                try:
                    explode()
                except ValueError:
                    pass
                late(10)
                notrace(late)
                late(20)
                worker = threading.Thread(target=hot, args=(2,))
                worker.start()
                worker.join()
                return inner(99)

            print(main())
            """));
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("100\n", result.Stdout);
        var calls = run.Calls();
        var main = calls.Single(c => c.Func == "main");
        Assert.Equal((1, "100"), (main.End, main.Result));
        Assert.Equal(["main", "late", "inner", "log", "inner", "log"],
            calls.Where(c => c.Func is "main" or "late" or "inner" or "log" or "hot" or "numbers" or "explode" or "failing").Select(c => c.Func));
        Assert.Equal(["x=10", "x=99"], calls.Where(c => c.Func == "inner").Select(c => c.ArgText));
        Assert.All(calls.Where(c => c.Func == "inner"), c => Assert.Equal(c.Depth - 1, calls.Single(p => p.Id == c.Parent).Depth));
    }
}
