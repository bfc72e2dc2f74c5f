using System.Text.Json;
using Pytrace.Reader.Commands;
using Pytrace.Reader.Data;
using Pytrace.Reader.Tests.Support;
using Pytrace.Reader.Text;
using Pytrace.Reader.Ui;

namespace Pytrace.Reader.Tests;

/// <summary>Text recorded from the traced program never reaches the terminal as control characters.</summary>
public sealed class ControlCharTests : IDisposable
{
    private readonly TempDb _db = new();

    public ControlCharTests() => HostileText.Write(_db.Path);

    public void Dispose() => _db.Dispose();

    [Fact]
    public void EscapesEveryC0AndC1ControlAndDel()
    {
        var all = new string(Enumerable.Range(0, 0xa0).Select(i => (char)i).ToArray());
        var escaped = ControlChars.Escape(all);
        Assert.DoesNotContain(escaped, char.IsControl);
        Assert.Equal(@"\x00\x01", ControlChars.Escape("\0\x01"));
        Assert.Equal(@"a\nb\tc\x1b[2J\x9b\x7fé", ControlChars.Escape("a\nb\tc\x1b[2J\u009b\x7fé"));
        Assert.Same("plain ✗ text", ControlChars.Escape("plain ✗ text"));
    }

    [Fact]
    public void ReaderScreenAndDetailViewShowControlsEscaped()
    {
        using var trace = TraceDb.Open(_db.Path);
        var screen = new ScreenBuffer(300, 12);
        using var app = new ReaderApp(trace, screen);
        app.Render();
        Assert.Contains("evil" + HostileText.Escaped + ".fn" + HostileText.Escaped, screen.Text);
        Assert.Contains("log" + HostileText.Escaped, screen.Text);
        Assert.Contains("Err('" + HostileText.Escaped + "')", screen.Text);
        app.Handle(ScreenBuffer.Special(ConsoleKey.Enter));
        app.Render();
        Assert.Contains("Main" + HostileText.Escaped, screen.Text);
        Assert.Contains("raised: Err" + HostileText.Escaped, screen.Text);
        HostileText.AssertInert(screen.Raw.ToString());
    }

    [Fact]
    public void DetailViewWrapsTheEscapedText()
    {
        using var trace = TraceDb.Open(_db.Path);
        var store = new CallStore(trace);
        var call = store.ById(1)!;
        var lines = DetailView.Lines(call, store.Args([1])[1], null, TimeZoneInfo.Utc, 20);
        var wrapped = lines.Where(l => l.Plain().StartsWith("      ", StringComparison.Ordinal)).ToList();
        Assert.Contains(wrapped, l => l.Plain().Contains(@"\x1b"));
        Assert.All(wrapped, l => Assert.True(l.Length <= 20, l.Plain()));
    }

    [Fact]
    public void QueryTextAndPlainReadPrintControlsEscaped()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.Equal(0, QueryCommand.Run(["depth >= 0", "--db", _db.Path], stdout, stderr));
        Assert.Contains(HostileText.Escaped, stdout.ToString());
        HostileText.AssertInert(stdout.ToString());
        stdout = new StringWriter();
        Assert.Equal(0, ReadCommand.Run(["--db", _db.Path], stdout, stderr, terminal: null));
        Assert.Contains("Err('" + HostileText.Escaped + "')", stdout.ToString());
        HostileText.AssertInert(stdout.ToString());
    }

    [Theory]
    [InlineData("func == 'a\\nb\\x' and bogus == 1")]    // the filter's own text, \n a real newline once lexed
    [InlineData("func == 'fn'")]                          // the correction quotes the recorded name
    public void ErrorLinesAreOneInertLine(string filter)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        QueryCommand.Run([filter, "--db", _db.Path], stdout, stderr); // a corrected filter shows the nearest name's calls
        var error = stderr.ToString();
        Assert.Single(error.TrimEnd('\n').Split('\n'));
        HostileText.AssertInert(error);
        HostileText.AssertInert(stdout.ToString());
    }

    [Fact]
    public void ErrorLinesQuoteAHostilePathEscaped()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.Equal(2, QueryCommand.Run(["depth > 0", "--db", "/nonexistent/" + HostileText.Payload], stdout, stderr));
        Assert.Contains(HostileText.Escaped, stderr.ToString());
        HostileText.AssertInert(stderr.ToString());
    }

    [Fact]
    public void JsonExportEscapesControlsAndKeepsTheValues()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.Equal(0, ExportCommand.Run(["--db", _db.Path], stdout, stderr));
        HostileText.AssertInert(stdout.ToString());
        var first = JsonDocument.Parse(stdout.ToString().Split('\n')[0]).RootElement;
        Assert.Equal("fn" + HostileText.Payload, first.GetProperty("func").GetString());
    }
}
