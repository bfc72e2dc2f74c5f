using System.Text.Json;
using Pytrace.Reader.Commands;
using Pytrace.Reader.Data;
using Pytrace.Reader.Filter;
using Pytrace.Reader.Tests.Support;
using Pytrace.Reader.Text;
using Pytrace.Reader.Ui;

namespace Pytrace.Reader.Tests;

/// <summary>Rows written by pytrace.log(): how every view shows them and how filters select them.</summary>
public sealed class LogRecordTests : IDisposable
{
    private readonly TempDb _db = new();

    public LogRecordTests() => LoggingShop.Write(_db.Path);

    public void Dispose() => _db.Dispose();

    private (int Code, string Out, string Err) Query(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var code = QueryCommand.Run([.. args, "--db", _db.Path], stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void PlainOutputShowsTheMessageAndFieldsWithoutResultOrDuration()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.Equal(0, ReadCommand.Run([_db.Path], stdout, stderr, terminal: null));
        Assert.Equal("""
            12:01:02.000001  • log: starting
            12:01:02.000002  → shop.checkout(user='ann')
            12:01:02.000003    • log: checkout started  user='ann' total=24.0
            12:01:02.000004    → shop.price(item='book')  = 24.0  1.0 µs
            12:01:02.000006    • log: it's paid  ids=[1, 2]
            12:01:02.000007  ← shop.checkout  = True  5.0 µs
            12:01:02.000008  • log: 42
            12:01:02.000009  → mathutil.log(x=1)  = 0.0  1.0 µs

            """, stdout.ToString());
        Assert.Equal("", stderr.ToString());
    }

    [Theory]
    [InlineData("kind == 'log'", "1,3,5,6")]
    [InlineData("kind != 'log'", "2,4,7")]
    [InlineData("kind == 'call'", "2,4,7")]
    [InlineData("kind == 'resume'", "")]
    [InlineData("func == 'log'", "1,3,5,6,7")]
    [InlineData("func == 'log' and kind == 'log' and module == 'shop'", "3,5")]
    [InlineData("kind == 'log' and arg == 'user' and value == \"'ann'\"", "3")]
    [InlineData("kind == 'log' and value ~= 'paid'", "5")]
    [InlineData("not kind == 'log' and depth == 1", "4")]
    public void KindSelectsLogRecordsAndFuncLogAlsoMatchesFunctionsNamedLog(string filter, string ids)
    {
        Assert.Equal(ids, string.Join(",", MatchingIds.Of(_db.Path, filter)));
    }

    [Fact]
    public void QueryTextShowsLogRecordsLikeTheTree()
    {
        var (code, output, error) = Query("kind == 'log' and module == 'shop'");
        Assert.Equal((0, ""), (code, error));
        Assert.Equal("""
            12:01:02.000003    • log: checkout started  user='ann' total=24.0
            12:01:02.000006    • log: it's paid  ids=[1, 2]

            """, output);
    }

    [Fact]
    public void ExportMarksLogRecordsAndGivesThemNoReturnValue()
    {
        var (code, output, _) = Query("kind == 'log' and module == 'shop'", "--format", "jsonl");
        Assert.Equal(0, code);
        var record = JsonDocument.Parse(output.Split('\n')[0]).RootElement;
        Assert.Equal(("log", "return", JsonValueKind.Null, "log", "/src/shop.py", 12),
            (record.GetProperty("kind").GetString(), record.GetProperty("end").GetString(), record.GetProperty("return").ValueKind,
             record.GetProperty("func").GetString(), record.GetProperty("file").GetString(), record.GetProperty("line").GetInt32()));
        Assert.Equal(record.GetProperty("start_ns").GetInt64(), record.GetProperty("end_ns").GetInt64());
        Assert.Equal("""[{"name":"message","type":"str","value":"'checkout started'"},{"name":"user","type":"str","value":"'ann'"},{"name":"total","type":"float","value":"24.0"}]""",
            record.GetProperty("args").GetRawText());
    }

    [Theory]
    [InlineData("kind == 'lgo'", 8, "unknown kind 'lgo' (kinds: call, resume, log, class, c)")]
    [InlineData("kind == 'log%'", 8, "unknown kind 'log%' (kinds: call, resume, log, class, c)")]
    [InlineData("kind ~= 'log'", 5, "'~=' does not apply to kind; use == !=")]
    [InlineData("kind == 2", 8, "kind compares with a quoted string, found '2'")]
    public void BadKindIsAFilterErrorNamingTheKinds(string filter, int column, string message)
    {
        var (code, output, error) = Query(filter);
        Assert.Equal((2, ""), (code, output));
        Assert.Equal($"pytrace query: bad filter at column {column + 1}: {message}\n", error);
    }

    [Theory]
    [InlineData("ki", 0, "kind")]
    [InlineData("kind ", 5, "==,!=")]
    [InlineData("kind == ", 8, "'call','resume','log','class','c'")]
    [InlineData("kind != 'r", 8, "'resume'")]
    [InlineData("func == 'lo", 8, "'log'")]
    public void CompletesKindsAndTheLogFunction(string text, int from, string candidates)
    {
        using var trace = TraceDb.Open(_db.Path);
        var (at, list) = Completer.Complete(text, new ValueSource(trace));
        Assert.Equal((from, candidates), (at, string.Join(",", list)));
    }

    [Fact]
    public void AValidKindThatMatchesNothingIsNotCorrected()
    {
        var (code, output, error) = Query("kind == 'resume'");
        Assert.Equal((1, "", "pytrace query: no call matched\n"), (code, output, error));
    }

    [Fact]
    public void TreeShowsLogRecordsAndTheDetailViewEveryField()
    {
        using var trace = TraceDb.Open(_db.Path);
        var screen = new ScreenBuffer(100, 24);
        using var app = new ReaderApp(trace, screen);
        app.Render();
        Assert.StartsWith("""
            12:01:02.000001  • log: starting
            12:01:02.000002  → shop.checkout(user='ann')
            12:01:02.000003    • log: checkout started  user='ann' total=24.0
            """, screen.Text);
        Assert.Contains(app.Frame(), l => l.Spans.Any(s => s.Text == "log:" && s.Style == Style.Name));

        app.Handle(ScreenBuffer.Key('3'));
        app.Handle(ScreenBuffer.Key('g'));
        app.Handle(ScreenBuffer.Key('\r'));
        app.Render();
        var details = screen.Text.Split('\n').Select(l => l.TrimEnd()).TakeWhile(l => !l.StartsWith('~')).ToList();
        Assert.Equal([
            "shop.log   (call 3, log record)",
            "  file      /src/shop.py:12",
            "  where     pid 4321  tid 1 (MainThread)  depth 1  parent call 2",
            "  logged    2026/11/25 12:01:02.000003",
            "",
            "  fields",
            "    message: str",
            "      'checkout started'",
            "    user: str",
            "      'ann'",
            "    total: float",
            "      24.0",
        ], details.Take(12));
        Assert.DoesNotContain("returned", screen.Text);
        Assert.DoesNotContain("duration", screen.Text);
    }

    [Fact]
    public void SearchFindsLogMessagesAndFields()
    {
        using var trace = TraceDb.Open(_db.Path);
        var navigator = new TraceNavigator(new CallStore(trace));
        Assert.Equal(3, navigator.Search(ViewScope.All, long.MinValue, false, "checkout started"));
        Assert.Equal(5, navigator.Search(ViewScope.All, long.MinValue, false, @"\[1, 2\]"));
    }

    [Theory]
    [InlineData("'checkout started'", "checkout started")]
    [InlineData("\"it's paid\"", "it's paid")]
    [InlineData(@"'it\'s ""x"" \\ done'", @"it's ""x"" \ done")]
    [InlineData(@"'two\nlines'", @"two\nlines")]
    [InlineData("'a long message cut by the tra...", "a long message cut by the tra...")]
    [InlineData("''", "")]
    [InlineData("<str object at 0x7f>", "<str object at 0x7f>")]
    [InlineData("'", "'")]
    public void StrTextDropsTheReprQuotes(string repr, string text) => Assert.Equal(text, Values.StrText(repr));
}
