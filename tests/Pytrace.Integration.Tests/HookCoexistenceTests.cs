using Pytrace.Integration.Tests.Support;

namespace Pytrace.Integration.Tests;

/// <summary>
/// Programs that use the interpreter's hooks themselves (profilers, tracers, debuggers, sys.monitoring) behave as
/// untraced, and pytrace records again once they are done; on 3.8-3.10 the window another profiler held the hook
/// is a gap row. 3.11 records through a frame evaluator and 3.12+ through sys.monitoring: no gap, nothing missed.
/// </summary>
public class HookCoexistenceTests
{
    private static readonly Dictionary<string, string> Programs = new()
    {
        ["cprofile"] = """
            import cProfile, pstats, io
            def work(n): return sum(i * i for i in range(n))
            def profiled():
                # from a plain function: on 3.11 pytrace's trace slot is not held here
                pr = cProfile.Profile()
                pr.enable()
                work(1000)
                pr.disable()
                return pr
            st = pstats.Stats(profiled(), stream=io.StringIO())
            print(sorted(name for (_, _, name) in st.stats))
            """,
        ["profile"] = """
            import profile
            def work(n): return sum(i for i in range(n))
            p = profile.Profile()
            p.runcall(work, 100)
            print("ok", sorted(name for (_, _, name) in p.timings if not name.startswith("<function")))
            """,
        ["setprofile"] = """
            import sys, threading
            print("initial", sys.getprofile(), sys.gettrace(), threading._profile_hook, threading._trace_hook)
            calls = []
            def prof(frame, event, arg): calls.append((event, frame.f_code.co_name, getattr(arg, "__name__", None)))
            def g(): return 1
            def h(): return g() + g()
            sys.setprofile(prof)
            h()
            sys.setprofile(None)
            print("prof saw", calls)
            print("after", sys.getprofile(), sys.gettrace())
            """,
        ["settrace"] = """
            import sys
            executed = []
            def tracer(frame, event, arg):
                if frame.f_code.co_filename == __file__:
                    executed.append((event, frame.f_lineno))
                    return tracer
            def target(n):
                s = 0
                for i in range(n):
                    s += i
                return s
            def gen():
                yield 1
                yield 2
            g = gen(); next(g)
            sys.settrace(tracer)
            target(3)
            list(g)
            sys.settrace(None)
            print(executed, sys.gettrace())
            """,
        ["trace_module"] = """
            import trace
            def work(n):
                s = 0
                for i in range(n):
                    s += i
                return s
            t = trace.Trace(count=1, trace=0)
            t.runfunc(work, 5)
            print(sorted(v for (f, l), v in t.results().counts.items() if f == __file__))
            """,
        ["threads"] = """
            import sys, threading
            seen = []
            threading.settrace(lambda f, e, a: seen.append(e) or None)
            def work(n): return n
            t = threading.Thread(target=work, args=(3,)); t.start(); t.join()
            threading.settrace(None)
            print(seen[:2], threading._profile_hook, sys.getprofile())
            """,
    };

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var minor in Pythons.Minors)
            foreach (var kind in Programs.Keys)
                data.Add(minor, kind);
        return data;
    }

    private const string After = """

        def after(i): return i
        for i in range(3): after(i)
        """;

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_program_sees_its_hooks_as_untraced_and_recording_goes_on(string minor, string kind)
    {
        using var run = new TracedRun(minor);
        var script = run.Write(kind + "_prog.py", Programs[kind] + After); // not profile.py: it would shadow the module
        var plain = run.Untraced(script);
        var traced = run.Trace(script);
        Assert.Equal(0, plain.ExitCode);
        Assert.Equal((plain.ExitCode, plain.Stdout, plain.Stderr), (traced.ExitCode, traced.Stdout, WithoutSummary(traced.Stderr)));
        Assert.Equal(3, run.Calls().Count(c => c.Func == "after"));
        bool profiler = kind is "cprofile" or "profile" or "setprofile";
        long gaps = run.Scalar<long>("SELECT count(*) FROM drops WHERE reason = 1");
        Assert.Equal(profiler && SharesTheProfileHook(minor) ? 1 : 0, gaps);
    }

    /// <summary>3.8-3.10 record through the C profile hook, which the program's own profiler takes for a while.</summary>
    private static bool SharesTheProfileHook(string minor) => Pythons.Minors.IndexOf(minor) < 3;

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void The_reader_shows_the_gap_where_another_profiler_held_the_hook(string minor)
    {
        using var run = new TracedRun(minor);
        var script = run.Write("p.py", Programs["setprofile"] + After);
        Assert.Equal(0, run.Trace(script).ExitCode);
        var read = ProcessRun.Run(Repo.Pytrace, ["read", run.Db], run.Folder);
        Assert.Equal(SharesTheProfileHook(minor), read.Stdout.Contains("another profiler held the hook"));
        // h ran while the program's profiler held the hook: not recorded then on 3.8-3.10, and nothing is mis-parented after it.
        var calls = run.Calls();
        Assert.All(calls.Where(c => c.Func == "after"), c => Assert.Equal(1, c.Depth));
        if (SharesTheProfileHook(minor)) return;
        Assert.Equal(1, calls.Count(c => c.Func == "h" && c.Depth == 1));
        Assert.Equal(2, calls.Count(c => c.Func == "g" && c.Depth == 2));
        Assert.DoesNotContain(calls, c => c.Func == "prof");
    }

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Pdb_stops_and_steps_as_untraced(string minor)
    {
        // 3.13.0 itself loses pdb's first opcode stop next to any sys.monitoring tool (one PY_START callback suffices,
        // without pytrace); pytrace restarts the events after the program's settrace(f) so that it stops where it would.
        using var run = new TracedRun(minor);
        var script = run.Write("dbg.py", """
            import pdb
            def compute(x):
                y = x * 2
                pdb.set_trace()
                z = y + 1
                return z
            print("result", compute(20))
            """ + After);
        const string input = "p y\nn\np z\nc\n";
        var plain = WithInput(run.Python, [script], run.Folder, input);
        var traced = WithInput(Repo.Pytrace, ["--python", run.Python, "--db", run.Db, script], run.Folder, input);
        Assert.Contains("(Pdb) 40", plain.Stdout); // stopped inside compute (3.13 stops at the set_trace() line itself)
        Assert.Equal((plain.ExitCode, plain.Stdout, plain.Stderr), (traced.ExitCode, traced.Stdout, WithoutSummary(traced.Stderr)));
        Assert.Equal(3, run.Calls().Count(c => c.Func == "after"));
    }

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void The_conventional_monitoring_tool_ids_stay_free(string minor)
    {
        using var run = new TracedRun(minor);
        var script = run.Write("mon.py", """
            import sys
            mon = getattr(sys, "monitoring", None)
            if mon:
                for tid in (mon.DEBUGGER_ID, mon.COVERAGE_ID, mon.PROFILER_ID, mon.OPTIMIZER_ID):
                    mon.use_tool_id(tid, "mine")
                counts = {}
                def on_start(code, off): counts[code.co_name] = counts.get(code.co_name, 0) + 1
                mon.register_callback(mon.PROFILER_ID, mon.events.PY_START, on_start)
                mon.set_events(mon.PROFILER_ID, mon.events.PY_START)
                def g(): return 1
                for _ in range(3): g()
                mon.set_events(mon.PROFILER_ID, 0)
                print(counts)
            """ + After);
        var plain = run.Untraced(script);
        var traced = run.Trace(script);
        Assert.Equal((plain.ExitCode, plain.Stdout, plain.Stderr), (traced.ExitCode, traced.Stdout, WithoutSummary(traced.Stderr)));
        Assert.Equal(3, run.Calls().Count(c => c.Func == "after"));
    }

    [Theory]
    [InlineData("3.12", false)]
    [InlineData("3.13", false)]
    [InlineData("3.12", true)]
    [InlineData("3.13", true)]
    public void Pytrace_s_monitoring_tool_id_is_invisible_and_given_up_to_the_program(string minor, bool takeAll)
    {
        using var run = new TracedRun(minor);
        var script = run.Write("mon.py", $$"""
            import sys
            mon = sys.monitoring
            print([mon.get_tool(i) for i in range(6)])
            mon.free_tool_id(3)
            for tid in {{(takeAll ? "range(6)" : "(3,)")}}:
                mon.use_tool_id(tid, "mine%d" % tid)
            seen = []
            mon.register_callback(3, mon.events.PY_START, lambda code, offset: seen.append(code.co_name))
            mon.set_events(3, mon.events.PY_START)
            def g(): return 1
            for _ in range(3): g()
            mon.set_events(3, 0)
            print(seen, [mon.get_tool(i) for i in range(6)])
            """ + After);
        var plain = run.Untraced(script);
        var traced = run.Trace(script);
        Assert.Equal(0, plain.ExitCode);
        Assert.Equal((plain.ExitCode, plain.Stdout, plain.Stderr), (traced.ExitCode, traced.Stdout, WithoutSummary(traced.Stderr)));
        if (takeAll)
        {
            // Every id is the program's: pytrace stops there, and says so with a gap that lasts to the end.
            Assert.Equal(0, run.Calls().Count(c => c.Func == "after"));
            Assert.Equal(1, run.Scalar<long>("SELECT count(*) FROM drops WHERE reason = 1"));
        }
        else
        {
            Assert.Equal(3, run.Calls().Count(c => c.Func == "g"));
            Assert.Equal(3, run.Calls().Count(c => c.Func == "after"));
        }
    }

    private static ProcessResult WithInput(string file, string[] args, string folder, string input)
    {
        using var process = ProcessRun.Start(file, args, folder);
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        return ProcessRun.Finish(process, TimeSpan.FromSeconds(90));
    }

    private static string WithoutSummary(string stderr) =>
        System.Text.RegularExpressions.Regex.Replace(stderr, "^pytrace: .*(\n|$)", "", System.Text.RegularExpressions.RegexOptions.Multiline);
}
