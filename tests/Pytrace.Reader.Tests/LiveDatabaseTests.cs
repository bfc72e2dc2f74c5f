using Microsoft.Data.Sqlite;
using Pytrace.Reader.Data;
using Pytrace.Reader.Tests.Support;
using Pytrace.Reader.Text;
using Pytrace.Reader.Ui;
using Xunit.Abstractions;
using Schema = Pytrace.Storage.Schema;

namespace Pytrace.Reader.Tests;

/// <summary>
/// The reader open on a run still being recorded: calls it showed as unfinished end later, by an UPDATE from the
/// dumper's connection that adds no call, and the run itself ends. Each test makes one such commit, then one Tick, as
/// the reader's loop would.
/// </summary>
public sealed class LiveDatabaseTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDb _db = new();
    private readonly ScreenBuffer _screen = new(100, 16);
    private TraceDb? _trace;
    private ReaderApp? _app;

    public void Dispose()
    {
        _app?.Dispose();
        _trace?.Dispose();
        _db.Dispose();
    }

    // The shop run, then calls still running: main (call 7) has finished step (8) and is waiting in wait (9).
    private void Open()
    {
        Shop.Write(_db.Path, more: b =>
        {
            b.Enter("shop", "main");
            b.Leaf("shop", "step", "int", "1");
            b.Enter("shop", "wait", ("s", "float", "0.5"));
        }, running: true);
        _trace = TraceDb.Open(_db.Path);
        _app = new ReaderApp(_trace, _screen);
    }

    // Presses KEYS, then draws until TEXT shows (counts land in the background) and returns the screen.
    private string Show(string text, string keys = "")
    {
        foreach (var c in keys)
            _app!.Handle(ScreenBuffer.Key(c));
        SpinWait.SpinUntil(() => { _app!.Render(); return _screen.Text.Contains(text); }, 10_000);
        output.WriteLine(_screen.Text);
        Assert.Contains(text, _screen.Text);
        return _screen.Text;
    }

    // What the dumper does when calls it wrote earlier return: UPDATEs of their rows in one commit, no new row.
    private void FinishWaitAndMain()
    {
        using var writer = new SqliteConnection($"Data Source={_db.Path};Pooling=False");
        writer.Open();
        using var transaction = writer.BeginTransaction();
        foreach (var (id, type, result, duration) in new[] { (9L, "str", "'done'", 5_000L), (7L, "int", "0", 10_000L) })
        {
            using var command = writer.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"""
                INSERT OR IGNORE INTO strings(text) VALUES (@type);
                INSERT INTO vals(type, text) VALUES ((SELECT id FROM strings WHERE text = @type), @result);
                UPDATE {Schema.CallRows} SET duration = @duration, {Schema.SetEndKind("@kind")}, result = last_insert_rowid() WHERE id = @id
                """;
            command.Parameters.AddWithValue("@type", type);
            command.Parameters.AddWithValue("@duration", duration);
            command.Parameters.AddWithValue("@kind", Schema.EndKind.Return);
            command.Parameters.AddWithValue("@result", result);
            command.Parameters.AddWithValue("@id", id);
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    // What the dumper does when the traced program exits: one UPDATE of the runs row.
    private void EndRun(int exitCode)
    {
        using var writer = new SqliteConnection($"Data Source={_db.Path};Pooling=False");
        writer.Open();
        using var command = writer.CreateCommand();
        command.CommandText = "UPDATE runs SET ended_ns = 1, exit_code = @code WHERE id = 1";
        command.Parameters.AddWithValue("@code", exitCode);
        command.ExecuteNonQuery();
    }

    private (int Line, string Text) Selected() => _app!.Frame()
        .Select((line, i) => (i, line))
        .Where(x => x.line.Spans.Any(s => s.Style == Style.Selected))
        .Select(x => (x.i, x.line.Plain().Trim())).Single();

    [Fact]
    public void FollowShowsCallsEndingWithoutAnyNewCall()
    {
        Open();
        var screen = Show("FOLLOWING: 0 new", "F");
        Assert.Contains("→ shop.wait(s=0.5)  … unfinished", screen);
        Assert.DoesNotContain("← shop.main", screen);

        FinishWaitAndMain();
        _app!.Tick();
        screen = Show("9 / 9 calls");
        Assert.Contains("→ shop.wait(s=0.5)  = 'done'  5.0 µs", screen);
        Assert.Contains("← shop.main  = 0  10.0 µs", screen);
        Assert.DoesNotContain("unfinished", screen);
        Assert.Contains("FOLLOWING: 0 new", screen);
    }

    [Fact]
    public void FollowShowsTheRunEndingWithItsExitCode()
    {
        Open();
        Show("9 / 9 calls  |  running");
        Show("FOLLOWING: 0 new, running", "F");

        EndRun(3);
        _app!.Tick();
        var screen = Show("FOLLOWING: 0 new, run ended (exit 3)");
        Assert.DoesNotContain("running", screen);
    }

    [Fact]
    public void RowsOnScreenEndInPlaceAndTheCursorStays()
    {
        Open();
        Show("call 8", "8g");
        var before = Selected();
        Assert.EndsWith("→ shop.step()  = 1  1.0 µs", before.Text);

        FinishWaitAndMain();
        _app!.Tick();
        var screen = Show("= 'done'");
        Assert.Contains("← shop.main  = 0  10.0 µs", screen);
        Assert.Equal(before, Selected());
    }

    [Fact]
    public void AnOpenDetailViewShowsItsCallEnding()
    {
        Open();
        Assert.Contains("still running when recorded (unfinished)", Show("shop.wait   (call 9)", "G\r"));

        FinishWaitAndMain();
        _app!.Tick();
        var screen = Show("returned: str");
        Assert.Contains("'done'", screen);
        Assert.Contains("duration 5.0 µs", screen);
    }

    [Fact]
    public void AFilterCountsAgainWhenCallsEnd()
    {
        Open();
        Show("filter: arg == 'return value'  |  5 / 9 calls", "&arg == 'return value'\r");

        FinishWaitAndMain();
        _app!.Tick();
        var screen = Show("7 / 9 calls");
        Assert.Contains("→ shop.wait(s=0.5)  = 'done'", screen);
    }

    [Fact]
    public void TheTotalGrowsWithTheCallsWrittenSince()
    {
        Open();
        Show("9 / 9 calls");
        using (var writer = new TraceBuilder(_db.Path))
        {
            writer.Thread(4321, 1, "MainThread");
            writer.Leaf("shop", "late", "int", "1");
            writer.Leaf("shop", "late", "int", "2");
        }
        _app!.Tick();
        Show("11 / 11 calls");
    }

    [Fact]
    public void NothingIsReadAgainUntilAnotherConnectionCommits()
    {
        Open();
        var watch = new ChangeWatch(_trace!);
        var refreshes = 0;
        watch.Poll(() => refreshes++);
        Assert.Equal(9, _trace!.ScalarLong("SELECT count(*) FROM calls"));
        watch.Poll(() => refreshes++);
        Assert.Equal(0, refreshes);

        FinishWaitAndMain();
        watch.Poll(() => refreshes++);
        Assert.Equal(1, refreshes);
    }
}
