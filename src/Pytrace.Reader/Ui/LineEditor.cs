using Pytrace.Reader.Filter;
using Pytrace.Reader.Text;

namespace Pytrace.Reader.Ui;

public enum EditResult { Editing, Submitted, Cancelled }

/// <summary>
/// A one-line prompt: editing keys, Up/Down history, Tab completion through COMPLETE. When Tab finds several
/// candidates, Tab again (or ↓, Shift-Tab or ↑) puts each in turn in place, Enter keeps it, Esc goes back to the
/// text as typed, and any other key keeps it and goes on editing.
/// </summary>
public sealed class LineEditor(char prefix, List<string> history, Func<string, (int From, List<string> Candidates)>? complete = null)
{
    private int _historyIndex = history.Count;
    private List<string>? _choices;
    private int _choice, _choiceFrom, _choiceEnd;
    private string _typed = "";

    public char Prefix => prefix;
    public string Text { get; private set; } = "";
    public int Caret { get; private set; }

    /// <summary>A line for the user about the last Tab (candidates), or null.</summary>
    public string? Note { get; private set; }

    public void Set(string text)
    {
        Text = text;
        Caret = text.Length;
    }

    public EditResult Handle(ConsoleKeyInfo key)
    {
        Note = null;
        if (_choices is not null && Choosing(key))
            return EditResult.Editing;
        var control = key.Modifiers.HasFlag(ConsoleModifiers.Control);
        switch (key.Key)
        {
            case ConsoleKey.Enter:
                if (Text.Length > 0 && (history.Count == 0 || history[^1] != Text))
                    history.Add(Text);
                return EditResult.Submitted;
            case ConsoleKey.Escape:
                return EditResult.Cancelled;
            case ConsoleKey.Backspace when Caret > 0:
                Text = Text.Remove(--Caret, 1);
                break;
            case ConsoleKey.Backspace when Text.Length == 0:
                return EditResult.Cancelled;
            case ConsoleKey.Delete when Caret < Text.Length:
                Text = Text.Remove(Caret, 1);
                break;
            case ConsoleKey.LeftArrow:
                Caret = Math.Max(0, Caret - 1);
                break;
            case ConsoleKey.RightArrow:
                Caret = Math.Min(Text.Length, Caret + 1);
                break;
            case ConsoleKey.Home or ConsoleKey.A when key.Key == ConsoleKey.Home || control:
                Caret = 0;
                break;
            case ConsoleKey.End or ConsoleKey.E when key.Key == ConsoleKey.End || control:
                Caret = Text.Length;
                break;
            case ConsoleKey.U when control:
                Set("");
                break;
            case ConsoleKey.UpArrow when _historyIndex > 0:
                Set(history[--_historyIndex]);
                break;
            case ConsoleKey.DownArrow when _historyIndex < history.Count:
                Set(++_historyIndex == history.Count ? "" : history[_historyIndex]);
                break;
            case ConsoleKey.Tab when complete is not null:
                Complete(complete);
                break;
            default:
                if (key.KeyChar == '\x03')
                    return EditResult.Cancelled;
                if (!char.IsControl(key.KeyChar) && key.KeyChar != '\0')
                {
                    Text = Text.Insert(Caret, key.KeyChar.ToString());
                    Caret++;
                }
                break;
        }
        return EditResult.Editing;
    }

    private void Complete(Func<string, (int From, List<string> Candidates)> complete)
    {
        var (from, candidates) = complete(Text[..Caret]);
        if (candidates.Count == 0)
        {
            Note = "no completion";
            return;
        }
        var insert = candidates.Count == 1 ? candidates[0] + " " : Completer.CommonPrefix(candidates);
        if (insert.Length >= Caret - from)
        {
            Text = Text[..from] + insert + Text[Caret..];
            Caret = from + insert.Length;
        }
        if (candidates.Count == 1)
            return;
        (_choices, _choice, _choiceFrom, _choiceEnd, _typed) = (candidates, -1, from, Caret, Text);
        Note = Candidates();
    }

    // A key while Tab's candidates are offered: true when it was about them.
    private bool Choosing(ConsoleKeyInfo key)
    {
        var back = key.Modifiers.HasFlag(ConsoleModifiers.Shift);
        switch (key.Key)
        {
            case ConsoleKey.Tab or ConsoleKey.DownArrow or ConsoleKey.UpArrow:
                var count = _choices!.Count;
                back |= key.Key == ConsoleKey.UpArrow;
                _choice = _choice < 0 ? (back ? count - 1 : 0) : (_choice + (back ? count - 1 : 1)) % count;
                var pick = _choices[_choice];
                Text = _typed[.._choiceFrom] + pick + _typed[_choiceEnd..];
                Caret = _choiceFrom + pick.Length;
                Note = Candidates();
                return true;
            case ConsoleKey.Enter when _choice >= 0:
                Text = Text.Insert(Caret, " ");
                Caret++;
                _choices = null;
                return true;
            case ConsoleKey.Escape:
                Text = _typed;
                Caret = _choiceEnd;
                _choices = null;
                return true;
            default:
                _choices = null;
                return false;
        }
    }

    // The candidates, the one in place in brackets.
    private string Candidates()
    {
        var shown = _choices!.Select((c, i) => i == _choice ? "[" + c + "]" : c).ToList();
        var start = Math.Max(0, Math.Min(_choice - 15, shown.Count - 30));
        return (start > 0 ? "...  " : "") + string.Join("  ", shown.Skip(start).Take(30)) + (shown.Count > start + 30 ? "  ..." : "");
    }

    /// <summary>The prompt line, the caret in reverse video, scrolled so the caret stays on screen.</summary>
    public StyledLine Render(int width)
    {
        var text = Text + " ";
        var line = new StyledLine().Add(prefix.ToString(), Style.Prompt)
            .Add(text[..Caret]).Add(text.Substring(Caret, 1), Style.Selected).Add(text[(Caret + 1)..]);
        var skip = Math.Max(0, Caret + 2 - width);
        return skip > 0 ? line.Slice(skip, width) : line;
    }
}
