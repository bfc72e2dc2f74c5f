using System.Diagnostics;
using Pytrace.Reader.Commands;
using Pytrace.Reader.Data;
using Pytrace.Reader.Filter;
using Pytrace.Reader.Tests.Support;
using Pytrace.Reader.Ui;

namespace Pytrace.Reader.Tests;

/// <summary>Patterns and filters built to hang or crash the reader: each ends quickly with a result or one error line.</summary>
public sealed class FilterAbuseTests : IDisposable
{
    // 30 a's then a non-match: a backtracking (a+)+ tries 2^30 splits at each start.
    private static readonly string Evil = new string('a', 30) + "!";
    private readonly TempDb _db = new();

    public FilterAbuseTests() => Shop.Write(_db.Path, more: b =>
    {
        for (var i = 0; i < 200; i++)
            b.Leaf("evil", "f", "NoneType", "None", ("s", "str", i == 199 ? Evil + "ab" : Evil));
    });

    public void Dispose() => _db.Dispose();

    private (int Code, string Out, string Err) Query(string filter)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var code = QueryCommand.Run([filter, "--db", _db.Path, "--format", "jsonl"], stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void CatastrophicPatternRunsInLinearTimeAndFindsItsMatch()
    {
        var clock = Stopwatch.StartNew();
        var (code, output, error) = Query("value ~= '(a+)+b'");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
        Assert.Equal(0, code);
        Assert.Single(output.TrimEnd('\n').Split('\n'));
        Assert.Equal("", error);
    }

    [Theory]
    [InlineData(@"func ~= '(p)\\1'", "backreference")]     // the filter's \\ is the pattern's \
    [InlineData("func ~= '(?=p)'", "lookahead")]
    [InlineData("func ~= '(?<!p)a'", "lookbehind")]
    [InlineData("func ~= '(?>p)'", "atomic")]
    public void PatternsThatNeedBacktrackingAreRefusedInOneLine(string filter, string construct)
    {
        var (code, _, error) = Query(filter);
        Assert.Equal(2, code);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.Contains("linear time", error);
        Assert.Contains(construct, error);
    }

    [Fact]
    public void SearchWithACatastrophicPatternReturnsAndABacktrackingOneIsRefused()
    {
        using var trace = TraceDb.Open(_db.Path);
        var screen = new ScreenBuffer(100, 12);
        using var app = new ReaderApp(trace, screen);
        var clock = Stopwatch.StartNew();
        foreach (var c in "/(a+)+b\r")
            app.Handle(ScreenBuffer.Key(c));
        app.Render();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
        Assert.Contains("call 206", screen.Text);
        foreach (var c in "/(?=x)\r")
            app.Handle(ScreenBuffer.Key(c));
        app.Render();
        Assert.Contains("'positive lookahead", screen.Text);
    }

    [Theory]
    [InlineData(10_000, "(", "depth == 0", ")")]
    [InlineData(20_000, "not ", "depth == 0", "")]
    [InlineData(101, "(", "depth == 0", ")")]
    public void DeepNestingIsOneLineExitTwo(int levels, string open, string inner, string close)
    {
        var (code, _, error) = Query(string.Concat(Enumerable.Repeat(open, levels)) + inner + string.Concat(Enumerable.Repeat(close, levels)));
        Assert.Equal(2, code);
        Assert.Equal($"pytrace query: bad filter at column {Parser.MaxNesting * open.Length + 1}: nested too deeply: at most 100 parentheses and 'not's inside one another\n", error);
    }

    [Theory]
    [InlineData("(", ")", 0)]
    [InlineData("not ", "", 0)]     // an even number of nots
    [InlineData("not (", ")", 0)]
    public void NestingUpToTheLimitRuns(string open, string close, int expected)
    {
        var levels = open.StartsWith("not (", StringComparison.Ordinal) ? Parser.MaxNesting / 2 : Parser.MaxNesting;
        var (code, _, error) = Query(string.Concat(Enumerable.Repeat(open, levels)) + "func == 'checkout'" + string.Concat(Enumerable.Repeat(close, levels)));
        Assert.True(code == expected, error);
    }

    [Theory]
    [InlineData(" or ")]
    [InlineData(" and ")]
    public void LongChainsRunDespiteSqlitesExpressionDepthLimit(string join)
    {
        var (code, _, error) = Query(string.Join(join, Enumerable.Range(0, 5_000).Select(i => $"depth != {i + 1}")));
        Assert.True(code == 0, error);
    }
}
