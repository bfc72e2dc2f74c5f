using System.Globalization;
using Pytrace.Reader.Data;
using Pytrace.Reader.Filter;
using Pytrace.Reader.Text;

namespace Pytrace.Reader.Ui;

/// <summary>What Enter in the filter prompt decided: the scope to show (null: cancelled) and a note for the user.</summary>
public sealed record FilterOutcome(ViewScope? Scope, string? Message);

/// <summary>
/// The `&amp;` prompt: compiles while the user types to show the live number of matches (as lnav does) or the
/// error under its token; on Enter, corrects a filter that matches nothing or keeps the text for fixing.
/// </summary>
public sealed class FilterPrompt(ValueSource values, FilterContext context, Counter counter, TraceNavigator navigator, List<string> history)
{
    private const int LiveCap = 100_000;
    private readonly List<string> _history = history;
    private ViewScope _scope = ViewScope.All;
    private FilterException? _error;
    private int _liveCount = -1;

    public LineEditor Editor { get; private set; } = new('&', []);

    public void Open(ViewScope scope)
    {
        _scope = scope;
        Editor = new LineEditor('&', _history, text => Completer.Complete(text, values));
        Update();
    }

    /// <summary>Null while the prompt stays open; the outcome once it closes.</summary>
    public FilterOutcome? Handle(ConsoleKeyInfo key)
    {
        switch (Editor.Handle(key))
        {
            case EditResult.Cancelled:
                return new FilterOutcome(null, null);
            case EditResult.Submitted:
                return Apply(Editor.Text);
            default:
                Update();
                return null;
        }
    }

    private void Update()
    {
        _error = null;
        _liveCount = -1;
        if (Editor.Text.Trim().Length == 0)
            return;
        try
        {
            _liveCount = counter.Request(_scope with { Filter = SqlCompiler.Compile(Editor.Text, context) }, LiveCap, live: true);
        }
        catch (FilterException e)
        {
            _error = e;
        }
    }

    private FilterOutcome? Apply(string text)
    {
        if (text.Trim().Length == 0)
            return new FilterOutcome(_scope with { Filter = null }, "filter cleared");
        CompiledFilter filter;
        try
        {
            filter = SqlCompiler.Compile(text, context);
        }
        catch (FilterException e)
        {
            _error = e;
            return null;
        }
        var scope = _scope with { Filter = filter };
        if (navigator.Any(scope))
            return new FilterOutcome(scope, null);
        var correction = Corrector.Correct(filter, values, context);
        if (correction?.Filter is { } corrected && navigator.Any(scope with { Filter = corrected }))
        {
            _history.Add(corrected.Source);
            return new FilterOutcome(scope with { Filter = corrected }, correction.Message);
        }
        _error = new FilterException("no call matches" + (correction is null ? "" : ": " + correction.Message), 0, text.Length);
        return null;
    }

    /// <summary>The line above the prompt: Tab candidates, the error under its token, or the live count.</summary>
    public StyledLine Info()
    {
        if (Editor.Note is { } note)
            return new StyledLine().Add(note, Style.Dim);
        if (_error is { } e)
            return new StyledLine().Add(" " + e.Caret + " " + e.Message, Style.Error);
        var count = _liveCount >= 0 ? counter.Result(_liveCount) : null;
        var text = Editor.Text.Trim().Length == 0 ? "empty filter: Enter shows every call"
            : count is { } c ? $"{(c.Capped ? LiveCap.ToString("N0", CultureInfo.InvariantCulture) + "+" : c.Count.ToString("N0", CultureInfo.InvariantCulture))} calls match"
            : "counting...";
        return new StyledLine().Add(text + "   (Tab completes, Tab again picks, ↑↓ history, Esc cancels)", Style.Dim);
    }
}
