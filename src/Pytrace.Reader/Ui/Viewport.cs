using Pytrace.Reader.Tree;

namespace Pytrace.Reader.Ui;

/// <summary>
/// A window of a few screens of rows around the cursor, loaded by call id in either direction and trimmed on the
/// far side, so memory stays bounded however large the database is.
/// </summary>
public sealed class Viewport(TreePager pager)
{
    private List<DisplayRow> _rows = [];
    private bool _atStart, _atEnd;

    private TreePager Pager { get; set; } = pager;
    public int Height { get; set; } = 20;
    public int Cursor { get; private set; }
    public int Top { get; private set; }
    public IReadOnlyList<DisplayRow> Rows => _rows;
    public DisplayRow? Current => Cursor < _rows.Count ? _rows[Cursor] : null;
    public bool AtEnd => _atEnd && Cursor >= _rows.Count - 1;

    private int Chunk => Math.Max(Height * 2, 20);

    public IEnumerable<(DisplayRow Row, bool Selected)> Visible() =>
        _rows.Skip(Top).Take(Height).Select((row, i) => (row, Top + i == Cursor));

    /// <summary>Pages another scope from now on; the caller positions the window (Home, End, JumpTo).</summary>
    public void Use(TreePager pager) => Pager = pager;

    public void Home()
    {
        (_rows, _atEnd) = Pager.After(long.MinValue, Chunk);
        _atStart = true;
        Cursor = Top = 0;
        Settle();
    }

    public void End()
    {
        (_rows, _atStart) = Pager.Before(long.MaxValue, Chunk);
        _atEnd = true;
        Cursor = Math.Max(0, _rows.Count - 1);
        Top = Math.Max(0, _rows.Count - Height);
        Settle();
    }

    /// <summary>Puts the cursor on the first row of call id ANCHOR (or the first after it) that satisfies PICK.</summary>
    public void JumpTo(long anchor, Func<DisplayRow, bool>? pick = null) =>
        Load(anchor, rows => rows.FindIndex(r => r.Anchor >= anchor && r.Kind != RowKind.Drop && (pick is null || pick(r))), Height / 3);

    /// <summary>
    /// Reads the rows around the cursor again, after the database changed under them (calls ended, returns and
    /// new calls appeared), keeping the cursor on its row and that row where it was on the screen.
    /// </summary>
    public void Reload()
    {
        if (Current is not { } current)
        {
            Home();
            return;
        }
        // The row itself or, if it went (a drop now placed before a later call), the first row of its call on.
        Load(current.Anchor, rows =>
        {
            var same = rows.FindIndex(r => SameRow(r, current));
            return same >= 0 ? same : rows.FindIndex(r => r.Anchor >= current.Anchor);
        }, Cursor - Top);
    }

    // A call's line can turn from a leaf into an entry, and a return line can move down when a return appears
    // before it, so rows are matched by what they show rather than by their place in the group.
    private static bool SameRow(DisplayRow a, DisplayRow b) =>
        a.Anchor == b.Anchor && (a.Kind == RowKind.Exit || b.Kind == RowKind.Exit
            ? a.Kind == b.Kind && a.Call!.Id == b.Call!.Id
            : a.Sub == b.Sub);

    // Reads the groups around call id ANCHOR and puts the cursor on the row FIND picks, OFFSET rows below the top.
    private void Load(long anchor, Func<List<DisplayRow>, int> find, int offset)
    {
        var (before, atStart) = Pager.Before(anchor, Chunk / 2);
        var from = before.Count > 0 ? before[^1].Anchor : long.MinValue;
        var (after, atEnd) = Pager.After(from, Chunk);
        _rows = before.Concat(after).ToList();
        _atStart = atStart;
        _atEnd = atEnd;
        var index = find(_rows);
        Cursor = index >= 0 ? index : Math.Max(0, _rows.Count - 1);
        Top = Math.Max(0, Cursor - offset);
        Settle();
    }

    public void Move(int delta)
    {
        Cursor += delta;
        Settle();
    }

    /// <summary>Scrolls the screen and the cursor together by DELTA rows (pages, half pages).</summary>
    public void Scroll(int delta)
    {
        Top += delta;
        Cursor += delta;
        Settle();
    }

    // Loads what the new position needs, trims the far side, clamps cursor and top.
    private void Settle()
    {
        while (Cursor >= _rows.Count - Height && !_atEnd && _rows.Count > 0)
        {
            var (more, atEnd) = Pager.After(_rows[^1].Anchor, Chunk);
            _atEnd = atEnd;
            _rows.AddRange(more);
            if (more.Count == 0)
                break;
        }
        while (Math.Min(Top, Cursor) < Height && !_atStart && _rows.Count > 0)
        {
            var (more, atStart) = Pager.Before(_rows[0].Anchor, Chunk);
            _atStart = atStart;
            _rows.InsertRange(0, more);
            Cursor += more.Count;
            Top += more.Count;
            if (more.Count == 0)
                break;
        }
        Cursor = Math.Clamp(Cursor, 0, Math.Max(0, _rows.Count - 1));
        Top = Math.Clamp(Top, Math.Max(0, Cursor - Height + 1), Cursor);
        Top = Math.Max(0, Math.Min(Top, _rows.Count - Height));
        Trim();
    }

    private void Trim()
    {
        var keep = Chunk * 3;
        if (Top > keep)
        {
            var cut = GroupBoundary(Top - Chunk);
            _rows.RemoveRange(0, cut);
            Top -= cut;
            Cursor -= cut;
            _atStart = false;
        }
        if (_rows.Count - Top > keep + Height)
        {
            var cut = GroupBoundary(Top + Height + Chunk);
            _rows.RemoveRange(cut, _rows.Count - cut);
            _atEnd = false;
        }
    }

    // The first index at or after I that starts a call's group, so the window holds whole groups only.
    private int GroupBoundary(int i)
    {
        while (i > 0 && i < _rows.Count && _rows[i].Anchor == _rows[i - 1].Anchor)
            i++;
        return Math.Min(i, _rows.Count);
    }
}
