using Pytrace.Reader.Data;
using Pytrace.Reader.Tests.Support;
using Pytrace.Reader.Ui;

namespace Pytrace.Reader.Tests;

/// <summary>Filters and searches typed in one reader session come back with ↑ in the next.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PromptHistoryTests : IDisposable
{
    private readonly TempDb _db = new();
    private readonly string _state = Directory.CreateTempSubdirectory("pytrace-state-").FullName;

    public PromptHistoryTests() => Shop.Write(_db.Path);

    public void Dispose()
    {
        _db.Dispose();
        Directory.Delete(_state, recursive: true);
    }

    private string HistoryFile => Path.Combine(_state, "pytrace", "history");

    private string Session(string keys, params ConsoleKey[] then)
    {
        using var trace = TraceDb.Open(_db.Path);
        var screen = new ScreenBuffer(100, 12);
        using (var app = new ReaderApp(trace, screen, PromptHistory.Load(HistoryFile)))
        {
            foreach (var c in keys) app.Handle(ScreenBuffer.Key(c));
            foreach (var k in then) app.Handle(ScreenBuffer.Special(k));
            app.Render();
        }
        return screen.Text;
    }

    [Fact]
    public void TheNextSessionRecallsFiltersAndSearchesAndTheFileIsPrivate()
    {
        Session("&func == 'price'\r/book\r");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(HistoryFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
            File.GetUnixFileMode(Path.GetDirectoryName(HistoryFile)!));
        Assert.Contains("&func == 'price'", Session("&", ConsoleKey.UpArrow));
        Assert.Contains("/book", Session("/", ConsoleKey.UpArrow));
    }

    [Fact]
    public void OnlyTheNewestAreKept()
    {
        var history = PromptHistory.Load(HistoryFile);
        for (int i = 0; i < PromptHistory.Kept + 20; i++) history.Filters.Add($"depth == {i}");
        history.Save();
        var again = PromptHistory.Load(HistoryFile);
        Assert.Equal(PromptHistory.Kept, again.Filters.Count);
        Assert.Equal($"depth == {PromptHistory.Kept + 19}", again.Filters[^1]);
    }

    [Fact]
    public void AnUnreadableOrMissingFileIsAnEmptyHistory()
    {
        Assert.Empty(PromptHistory.Load(Path.Combine(_state, "nowhere", "history")).Filters);
        Directory.CreateDirectory(HistoryFile); // a folder where the file should be: saving fails quietly
        var history = PromptHistory.Load(HistoryFile);
        history.Filters.Add("depth == 1");
        history.Save();
        Assert.Empty(history.Searches);
    }
}
