using Pytrace.Reader.Commands;
using Pytrace.Reader.Data;
using Pytrace.Reader.Tests.Support;
using Pytrace.Reader.Tree;
using Pytrace.Reader.Ui;

namespace Pytrace.Reader.Tests;

/// <summary>Keyset paging in both directions with trimming yields exactly the rows a full read prints.</summary>
public sealed class ViewportTests : IDisposable
{
    private readonly TempDb _db = new();

    public void Dispose() => _db.Dispose();

    private void WriteDeepTree(int roots)
    {
        using var b = new TraceBuilder(_db.Path);
        b.Thread(1, 1, "MainThread");
        for (var r = 0; r < roots; r++)
        {
            b.Enter("app", "root", ("r", "int", r.ToString()));
            for (var c = 0; c < 3; c++)
            {
                b.Enter("app", "child");
                b.Leaf("app", "leaf", "int", c.ToString());
                b.Return("NoneType", "None");
            }
            if (r % 10 == 0)
                b.Drop(r + 1);
            b.Return("int", r.ToString());
        }
    }

    private List<string> AllRows()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.Equal(0, ReadCommand.Run([_db.Path], stdout, stderr, terminal: null));
        return stdout.ToString().TrimEnd('\n').Split('\n').ToList();
    }

    [Fact]
    public void DeepRowsStopIndentingAndShowTheirDepthSoTheCallStaysOnScreen()
    {
        var formatter = new RowFormatter(false, false, TimeZoneInfo.Utc, valueWidth: 100);
        string Row(int depth) => formatter.Format(new DisplayRow(RowKind.Leaf, 1, 0,
            new CallRow(1, null, 1, 1, 1, depth, 0, 1000, "app", "deep", "/app.py", 1, 0, 1, "int", "1"),
            [new ArgValue("n", "int", "3")])).Plain();
        Assert.Equal("00:00:00.000000  " + new string(' ', 2 * 24) + "→ app.deep(n=3)  = 1  1.0 µs", Row(24));
        var deep = Row(300);
        Assert.Equal("00:00:00.000000  " + new string(' ', 2 * 24) + "⋯300 → app.deep(n=3)  = 1  1.0 µs", deep);
        Assert.True(deep.Length < 100, deep);
    }

    [Fact]
    public void WalkingDownThenUpVisitsEveryRowOnceWhileMemoryStaysBounded()
    {
        WriteDeepTree(60);
        var expected = AllRows();
        using var db = TraceDb.Open(_db.Path);
        var store = new CallStore(db);
        var formatter = new RowFormatter(false, false, TimeZoneInfo.Local, valueWidth: 100);
        var viewport = new Viewport(new TreePager(store, ViewScope.All, store.Drops())) { Height = 5 };
        viewport.Home();
        var down = new List<string>();
        var largest = 0;
        while (true)
        {
            down.Add(formatter.Format(viewport.Current!).Plain());
            largest = Math.Max(largest, viewport.Rows.Count);
            if (viewport.AtEnd)
                break;
            viewport.Move(1);
        }
        Assert.Equal(expected, down);
        Assert.InRange(largest, 1, 150);  // of ~700 rows: a few chunks, never the whole trace

        var up = new List<string>();
        viewport.End();
        for (var i = 0; i < expected.Count; i++)
        {
            up.Add(formatter.Format(viewport.Current!).Plain());
            viewport.Move(-1);
        }
        up.Reverse();
        Assert.Equal(expected, up);
        Assert.InRange(viewport.Rows.Count, 1, 150);
    }

    [Fact]
    public void JumpsLandOnTheCallAndPagesKeepTheirPlace()
    {
        WriteDeepTree(60);
        var expected = AllRows();
        using var db = TraceDb.Open(_db.Path);
        var store = new CallStore(db);
        var formatter = new RowFormatter(false, false, TimeZoneInfo.Local, valueWidth: 100);
        var viewport = new Viewport(new TreePager(store, ViewScope.All, store.Drops())) { Height = 5 };
        viewport.JumpTo(200);
        Assert.Equal(200, viewport.Current!.Call!.Id);
        var at = expected.IndexOf(formatter.Format(viewport.Current).Plain());
        viewport.Scroll(5);
        Assert.Equal(expected[at + 5], formatter.Format(viewport.Current!).Plain());
        viewport.Scroll(-12);
        Assert.Equal(expected[at - 7], formatter.Format(viewport.Current!).Plain());
    }
}
