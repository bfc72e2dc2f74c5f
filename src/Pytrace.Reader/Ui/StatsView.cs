using Pytrace.Reader.Data;
using Pytrace.Reader.Filter;
using Pytrace.Reader.Text;

namespace Pytrace.Reader.Ui;

/// <summary>
/// The `s` screen: `pytrace stats` of what the reader shows (its filter and thread), largest total first. j/k move,
/// Enter filters the reader to the selected function, q or Esc goes back.
/// </summary>
public sealed class StatsView(List<FunctionStat> stats, string scopeText)
{
    private int _selected, _top;

    public FunctionStat? Selected => stats.Count == 0 ? null : stats[_selected];

    /// <summary>What a key does here: nothing more to do, back to the rows, or filter to the selected function.</summary>
    public enum Outcome { Stay, Close, FilterToSelected }

    public Outcome Handle(ConsoleKeyInfo key, int height)
    {
        int rows = Math.Max(1, height - 3);
        _selected = key.Key switch
        {
            ConsoleKey.DownArrow => _selected + 1,
            ConsoleKey.UpArrow => _selected - 1,
            ConsoleKey.PageDown or ConsoleKey.Spacebar => _selected + rows,
            ConsoleKey.PageUp => _selected - rows,
            ConsoleKey.Home => 0,
            ConsoleKey.End => stats.Count - 1,
            _ => key.KeyChar switch { 'j' => _selected + 1, 'k' => _selected - 1, 'b' => _selected - rows, 'g' => 0, 'G' => stats.Count - 1, _ => _selected },
        };
        _selected = Math.Clamp(_selected, 0, Math.Max(0, stats.Count - 1));
        if (_selected < _top) _top = _selected;
        if (_selected >= _top + rows) _top = _selected - rows + 1;
        if (key.Key == ConsoleKey.Enter && Selected is not null) return Outcome.FilterToSelected;
        return key.KeyChar is 'q' or 's' || key.Key == ConsoleKey.Escape ? Outcome.Close : Outcome.Stay;
    }

    public List<StyledLine> Lines(int width, int height)
    {
        int rows = Math.Max(1, height - 3);
        var lines = new List<StyledLine>
        {
            new StyledLine().Add($"per function, {scopeText}: {stats.Count:N0} functions, largest total first", Style.Dim),
            new StyledLine().Add($"{"calls",10} {"total",11} {"self",11} {"mean",11} {"exceptions",10}  function (file:line)", Style.Name),
        };
        for (int i = _top; i < Math.Min(stats.Count, _top + rows); i++)
        {
            var s = stats[i];
            var text = $"{s.Calls,10:N0} {Durations.Format(s.TotalNs),11} {Durations.Format(s.SelfNs),11} {Durations.Format(s.MeanNs),11} {s.Exceptions,10:N0}  {s.QualifiedName} ({s.File}:{s.Line})";
            var line = new StyledLine().Add(text, i == _selected ? Style.Selected : Style.Plain).Slice(0, width);
            if (i == _selected && line.Length < width) line.Add(new string(' ', width - line.Length), Style.Selected);
            lines.Add(line);
        }
        if (stats.Count == 0) lines.Add(new StyledLine().Add("(no calls)", Style.Dim));
        return lines;
    }

    /// <summary>The filter that shows only FUNCTION's calls, within CURRENT if there is one.</summary>
    public static string FilterFor(FunctionStat function, string? current)
    {
        var own = $"module == {SqlCompiler.Quote(function.Module)} and func == {SqlCompiler.Quote(function.Name)}";
        return current is null ? own : $"({current}) and {own}";
    }
}
