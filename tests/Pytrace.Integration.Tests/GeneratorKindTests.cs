using Pytrace.Integration.Tests.Support;

namespace Pytrace.Integration.Tests;

/// <summary>A generator's resumptions stay resumes however often its code runs (3.11 quickens RESUME after a few runs).</summary>
public class GeneratorKindTests
{
    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Every_resume_of_a_much_used_generator_is_a_resume(string minor)
    {
        using var run = new TracedRun(minor);
        var script = run.Write("g.py", """
            def inner(n):
                for i in range(n):
                    yield i
            for _ in range(40): list(inner(3))
            """);
        Assert.Equal(0, run.Trace(script).ExitCode);
        var rows = run.Calls().Where(c => c.Func == "inner").OrderBy(c => c.Id).ToList();
        Assert.Equal(160, rows.Count);
        for (int g = 0; g < 40; g++)
        {
            var one = rows.Skip(4 * g).Take(4).ToList();
            Assert.Equal([0, 1, 1, 1], one.Select(c => c.Kind));
            Assert.Equal([2, 2, 2, 1], one.Select(c => c.End));
        }
    }
}
