using Pytrace.Integration.Tests.Support;

namespace Pytrace.Integration.Tests;

/// <summary>--c-calls: built-in and extension functions recorded by name and time, nested where they ran; off by default.</summary>
public sealed class CCallTests
{
    private const string Program = """
        import math, time

        def f(xs):
            n = len(xs)
            s = sorted(xs, key=lambda x: -x)
            time.sleep(0.02)
            try:
                math.sqrt(-1)
            except ValueError:
                pass
            xs.append(1)
            return n, s[0]

        print(f([3, 1, 2]))
        """;

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void C_functions_are_calls_of_kind_c_nested_under_their_caller_with_python_callbacks_under_them(string minor)
    {
        using var run = new TracedRun(minor);
        var script = run.Write("c.py", Program);
        var result = run.Trace(script, "--c-calls");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("(3, 3)\n", result.Stdout);
        var calls = run.Calls().Where(c => c.Module is "__main__" or "builtins" or "time" or "math").ToList();
        var f = calls.Single(c => c.Func == "f");
        var under = calls.Where(c => c.Parent == f.Id).Select(c => $"{c.Module}.{c.Func}:{c.Kind}:{c.End}").ToList();
        Assert.Equal(["builtins.len:4:1", "builtins.sorted:4:1", "time.sleep:4:1", "math.sqrt:4:3", "builtins.list.append:4:1"], under);
        Assert.All(calls.Where(c => c.Kind == 4), c => Assert.Null(c.Result));
        var sorted = calls.Single(c => c.Func == "sorted");
        Assert.Equal(3, calls.Count(c => c.Parent == sorted.Id && c.Func == "f.<locals>.<lambda>" && c.Depth == sorted.Depth + 1));
        var sleep = calls.Single(c => c.Func == "sleep");
        Assert.InRange(sleep.EndNs!.Value - sleep.StartNs, 19_000_000, 2_000_000_000);
        Assert.Contains(calls, c => c.Func == "print" && c.Depth == 1);

        var query = ProcessRun.Run(Repo.Pytrace, ["query", "kind == 'c' and func == 'sleep'", "--db", run.Db], run.Folder);
        Assert.True(query.ExitCode == 0, query.Stderr);
        Assert.Matches(@"→ time\.sleep\(\)  +\d+\.\d ms", query.Stdout); // its length is checked above: a loaded machine sleeps longer
    }

    [Fact]
    public void Without_the_option_no_c_function_is_recorded()
    {
        using var run = new TracedRun("3.12");
        var script = run.Write("c.py", Program);
        var result = run.Trace(script);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.DoesNotContain(run.Calls(), c => c.Kind == 4 || c.Func is "len" or "sleep");
        Assert.Equal(3, run.Calls().Count(c => c.Func == "f.<locals>.<lambda>" && c.Depth == 2));
    }
}
