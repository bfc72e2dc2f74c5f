using System.Globalization;
using System.Text.RegularExpressions;
using Pytrace.Reader.Data;
using Pytrace.Reader.Filter;
using Pytrace.Reader.Terminal;
using Pytrace.Reader.Text;
using Pytrace.Reader.Tree;

namespace Pytrace.Reader.Ui;

/// <summary>The interactive reader: state, key dispatch and the frame it shows. Drawing goes through a <see cref="Screen"/>.</summary>
public sealed class ReaderApp : IDisposable
{
    private readonly TraceDb _db;
    private readonly ITerminal _terminal;
    private readonly Screen _screen;
    private readonly CallStore _store;
    private readonly TraceNavigator _navigator;
    private readonly ValueSource _values;
    private readonly FilterContext _context;
    private readonly Counter _counter;
    private readonly StatusCounts _counts;
    private readonly ChangeWatch _watch;
    private readonly Viewport _viewport;
    private RowFormatter _formatter;
    private readonly PromptHistory _history;
    private readonly Queue<ConsoleKeyInfo> _typedAhead = new();
    private readonly FilterPrompt _filter;
    private readonly TraceMoves _moves;
    private TraceSummary _summary;
    private List<DropRow> _drops;
    private ViewScope _scope = ViewScope.All;
    private LineEditor? _search;
    private bool _filtering;
    private List<StyledLine>? _page;
    private StatsView? _stats;
    private long? _detail;
    private int _pageTop;
    private string? _message;
    private Regex? _pattern;
    private bool _searchBackwards;
    private string _number = "";
    private int _hscroll;
    private bool _follow;
    private bool _toldReplaced;
    private long _followFrom;
    private (int W, int H) _size;

    public bool Quit { get; private set; }

    /// <summary>Set, with <see cref="Quit"/>, when following and a new run replaced the database: open it again.</summary>
    public bool Replaced { get; private set; }

    /// <summary>
    /// HISTORY keeps the prompts' entries across sessions; without it they last as long as this reader. FOLLOW
    /// starts in follow mode and MESSAGE on the status line (a reader reopened on a new run).
    /// </summary>
    public ReaderApp(TraceDb db, ITerminal terminal, PromptHistory? history = null, bool follow = false, string? message = null)
    {
        _db = db;
        _history = history ?? new PromptHistory();
        _terminal = terminal;
        _screen = new Screen(terminal);
        // Before the first read: a commit from now on is seen by the next Tick.
        _watch = new ChangeWatch(db);
        _store = new CallStore(db);
        _navigator = new TraceNavigator(_store);
        _values = new ValueSource(db);
        _summary = TraceSummary.Load(db);
        _context = FilterContext.ForFirstCall(db, _summary.FirstStartNs);
        _drops = _store.Drops();
        _counter = new Counter(db.Path);
        _formatter = new RowFormatter(_summary.ShowPid, _summary.ShowTid, _context.Zone);
        _viewport = new Viewport(new TreePager(_store, _scope, _drops));
        _filter = new FilterPrompt(_values, _context, _counter, _navigator, _history.Filters);
        _moves = new TraceMoves(_viewport, _navigator);
        Layout();
        _viewport.Home();
        _counts = new StatusCounts(_counter, _summary.MaxId ?? 0);
        _message = message;
        if (follow)
            StartFollow();
    }

    /// <summary>Runs until q; the terminal is restored however this ends.</summary>
    public void Run()
    {
        _terminal.Enter();
        try
        {
            while (!Quit)
            {
                Render();
                var key = TypedAhead() ?? _terminal.ReadKey(_follow ? 250 : 100);
                if (key is { } k)
                    Handle(k);
                else
                    Tick();
            }
        }
        finally
        {
            _terminal.Leave();
        }
    }

    private ConsoleKeyInfo? TypedAhead()
    {
        lock (_typedAhead) return _typedAhead.Count > 0 ? _typedAhead.Dequeue() : null;
    }

    /// <summary>Work with no key: resize, what the traced program wrote since, counts arriving.</summary>
    public void Tick()
    {
        if ((_terminal.Width, _terminal.Height) != _size)
            Layout();
        if (_db.Replaced)
        {
            if (_follow)
            {
                (Replaced, Quit) = (true, true);
                return;
            }
            if (!_toldReplaced)
                _message = "a new run replaced this database: F follows it, q and `pytrace` open it";
            _toldReplaced = true;
        }
        _watch.Poll(Refresh);
        _counts.Tick();
    }

    // Another connection committed: new calls, or no new call but old ones ended (their rows, their return lines),
    // drops, threads. Every row on screen is read again, not only the new ones.
    private void Refresh()
    {
        var before = _summary;
        _summary = TraceSummary.Load(_db);
        // A filter names functions, threads and values by the ids they had when it was compiled: the commit may have
        // added more that it matches.
        var filter = _scope.Filter;
        if (filter is not null)
            _scope = _scope with { Filter = SqlCompiler.Compile(filter.Source, filter.Tree, _context) };
        if (_summary.MaxId != before.MaxId || _summary.Dropped != before.Dropped)
            // A drop after the last call is placed before the calls that follow it, which may have just arrived.
            _drops = _store.Drops();
        _viewport.Use(new TreePager(_store, _scope, _drops));
        // A second thread or process may have appeared: its columns with it.
        _formatter = new RowFormatter(_summary.ShowPid, _summary.ShowTid, _context.Zone, _formatter.ValueWidth);
        if (_follow)
            _viewport.End();
        else
            _viewport.Reload();
        if (_detail is { } id && _store.ById(id) is { } call)
            ShowDetail(call);
        _counts.Changed(_summary.MaxId ?? 0, _scope);
    }

    private void Layout()
    {
        _size = (_terminal.Width, _terminal.Height);
        _viewport.Height = Math.Max(1, _size.H - 2);
        _formatter.ValueWidth = Math.Max(12, _size.W / 3);
        _viewport.Move(0);
        _screen.Invalidate();
    }

    public void Handle(ConsoleKeyInfo key)
    {
        if (_follow)
        {
            _follow = false;
            _message = "stopped following";
            return;
        }
        if (_search is not null || _filtering)
        {
            HandlePrompt(key);
            return;
        }
        if (_page is not null)
        {
            HandlePage(key);
            return;
        }
        if (_stats is not null)
        {
            HandleStats(key);
            return;
        }
        _message = null;
        if (char.IsDigit(key.KeyChar))
        {
            _number += key.KeyChar;
            _message = ":" + _number;
            return;
        }
        var count = _number.Length > 0 ? long.Parse(_number, CultureInfo.InvariantCulture) : (long?)null;
        _number = "";
        var half = Math.Max(1, _viewport.Height / 2);
        var control = key.Modifiers.HasFlag(ConsoleModifiers.Control);
        switch (key.Key)
        {
            case ConsoleKey.DownArrow: _viewport.Move((int)(count ?? 1)); return;
            case ConsoleKey.UpArrow: _viewport.Move(-(int)(count ?? 1)); return;
            case ConsoleKey.PageDown: _viewport.Scroll(_viewport.Height); return;
            case ConsoleKey.PageUp: _viewport.Scroll(-_viewport.Height); return;
            case ConsoleKey.Home: _viewport.Home(); return;
            case ConsoleKey.End: _viewport.End(); return;
            // As less does: half a screen sideways per press.
            case ConsoleKey.LeftArrow: _hscroll = Math.Max(0, _hscroll - Math.Max(1, _size.W / 2)); return;
            case ConsoleKey.RightArrow: _hscroll += Math.Max(1, _size.W / 2); return;
            case ConsoleKey.Enter: OpenDetail(); return;
            case ConsoleKey.F when control: _viewport.Scroll(_viewport.Height); return;
            case ConsoleKey.B when control: _viewport.Scroll(-_viewport.Height); return;
            case ConsoleKey.D when control: _viewport.Scroll(half); return;
            case ConsoleKey.U when control: _viewport.Scroll(-half); return;
            case ConsoleKey.L when control: _screen.Invalidate(); return;
            case ConsoleKey.C when control: Quit = true; return;
        }
        switch (key.KeyChar)
        {
            case 'q' or '\x03': Quit = true; break;
            case 'j': _viewport.Move((int)(count ?? 1)); break;
            case 'k': _viewport.Move(-(int)(count ?? 1)); break;
            case ' ': _viewport.Scroll(_viewport.Height); break;
            case 'b': _viewport.Scroll(-_viewport.Height); break;
            case 'd': _viewport.Scroll(half); break;
            case 'g' when count is { } id: _viewport.JumpTo(id); break;
            case 'g': _viewport.Home(); break;
            case 'G' when count is { } id: _viewport.JumpTo(id); break;
            case 'G': _viewport.End(); break;
            case '/' or '?': _search = new LineEditor(key.KeyChar, _history.Searches); break;
            case '&' or 'f': _filter.Open(_scope); _filtering = true; break;
            case 'n': SearchNext(_searchBackwards); break;
            case 'N': SearchNext(!_searchBackwards); break;
            case '%': _message = _moves.MatchReturn(_scope); break;
            case 'u': _message = _moves.Parent(); break;
            case ']': _message = _moves.Sibling(_scope, false); break;
            case '[': _message = _moves.Sibling(_scope, true); break;
            case 'e': _message = _moves.Exception(_scope, false); break;
            case 'E': _message = _moves.Exception(_scope, true); break;
            case 't': ToggleThread(); break;
            case 'F': StartFollow(); break;
            case 's': OpenStats(); break;
            case 'h': _page = HelpText.Lines.Select(l => new StyledLine().Add(l)).ToList(); _pageTop = 0; break;
        }
    }

    private CallRow? CurrentCall => _viewport.Current?.Call;

    private void HandlePrompt(ConsoleKeyInfo key)
    {
        if (_search is { } search)
        {
            var result = search.Handle(key);
            if (result != EditResult.Editing)
                _search = null;
            if (result == EditResult.Submitted)
                StartSearch(search.Text, search.Prefix == '?');
            return;
        }
        if (_filter.Handle(key) is not { } outcome)
            return;
        _filtering = false;
        _message = outcome.Message;
        if (outcome.Scope is { } scope)
            SetScope(scope, CurrentCall?.Id);
    }

    private void SetScope(ViewScope scope, long? keep)
    {
        _scope = scope;
        _viewport.Use(new TreePager(_store, scope, _drops));
        if (keep is { } id)
            _viewport.JumpTo(id);
        else
            _viewport.Home();
        _counts.Use(scope);
    }

    private void StartSearch(string pattern, bool backwards)
    {
        if (pattern.Length == 0 && _pattern is null)
            return;
        if (pattern.Length > 0)
        {
            if (UserRegex.TryCompile(pattern, out var error) is not { } regex)
            {
                _message = error;
                return;
            }
            _pattern = regex;
        }
        _searchBackwards = backwards;
        SearchNext(backwards);
    }

    private void SearchNext(bool backwards)
    {
        if (_pattern is null)
        {
            _message = "no search yet: / or ? first";
            return;
        }
        var pattern = _pattern.ToString();
        _message = "searching… q or Ctrl-C stops";
        Render();
        _message = Interruptible(() => _moves.Search(_scope, pattern, backwards), "search stopped");
    }

    /// <summary>
    /// Runs WORK (a query that may read every row) while another thread watches the keyboard: q, Esc or Ctrl-C
    /// interrupt the query and WORK's message becomes STOPPED; other keys typed meanwhile wait their turn.
    /// </summary>
    private string? Interruptible(Func<string?> work, string stopped)
    {
        bool done = false, interrupted = false;
        var watcher = new Thread(() =>
        {
            while (!Volatile.Read(ref done))
            {
                if (!interrupted && _terminal.PollKey() is { } key)
                {
                    if (key.KeyChar is 'q' or '\x03' || key.Key == ConsoleKey.Escape) interrupted = true;
                    else lock (_typedAhead) _typedAhead.Enqueue(key);
                }
                // Again and again: an interrupt that lands before the query's first step would be lost.
                if (interrupted) _db.Interrupt();
                Thread.Sleep(20);
            }
        }) { IsBackground = true, Name = "pytrace-keys" };
        watcher.Start();
        try
        {
            var message = work();
            return Volatile.Read(ref interrupted) ? stopped : message;
        }
        catch (Pytrace.Storage.TraceDatabaseException e) when (e.Interrupted)
        {
            return stopped;
        }
        finally
        {
            Volatile.Write(ref done, true);
            watcher.Join();
        }
    }

    private void ToggleThread()
    {
        if (_scope.Thread is not null)
            SetScope(_scope with { Thread = null }, CurrentCall?.Id);
        else if (CurrentCall is { } call)
            SetScope(_scope with { Thread = new ThreadKey(call.Thread, call.Pid, call.Tid) }, call.Id);
    }

    private void StartFollow()
    {
        _follow = true;
        _followFrom = _summary.MaxId ?? 0;
        _viewport.End();
    }

    private void OpenDetail()
    {
        if (CurrentCall is not { } call)
            return;
        ShowDetail(call);
        _pageTop = 0;
    }

    // Thread names are read each time: a live run names its threads as it goes.
    private void ShowDetail(CallRow call)
    {
        _detail = call.Id;
        var args = _store.Args([call.Id]).GetValueOrDefault(call.Id) ?? [];
        _page = DetailView.Lines(call, args, _store.ThreadNames().GetValueOrDefault(call.Thread), _context.Zone, _size.W);
    }

    private void OpenStats()
    {
        _message = "counting per function… q or Ctrl-C stops";
        Render();
        List<FunctionStat>? stats = null;
        _message = Interruptible(() => { stats = FunctionStats.Compute(_db, _scope); return null; }, "stats stopped");
        if (stats is null) return;
        var scope = _scope.Filter is { } f ? "filter " + f.Source : "all calls";
        if (_scope.Thread is { } t) scope += $", thread {t.Pid}/{t.Tid}";
        _stats = new StatsView([.. stats.OrderByDescending(s => s.TotalNs).ThenBy(s => s.QualifiedName, StringComparer.Ordinal)], scope);
    }

    private void HandleStats(ConsoleKeyInfo key)
    {
        var outcome = _stats!.Handle(key, _size.H);
        if (outcome == StatsView.Outcome.Stay) return;
        var selected = _stats.Selected;
        _stats = null;
        if (outcome != StatsView.Outcome.FilterToSelected || selected is null) return;
        var text = StatsView.FilterFor(selected, _scope.Filter?.Source);
        try
        {
            SetScope(_scope with { Filter = SqlCompiler.Compile(text, _context) }, null);
            _message = $"filter: {text}";
        }
        catch (FilterException e)
        {
            _message = $"cannot filter to {selected.QualifiedName}: {e.OneLine}";
        }
    }

    private void HandlePage(ConsoleKeyInfo key)
    {
        var height = Math.Max(1, _size.H - 1);
        _pageTop = key.Key switch
        {
            ConsoleKey.DownArrow => _pageTop + 1,
            ConsoleKey.UpArrow => _pageTop - 1,
            ConsoleKey.PageDown or ConsoleKey.Spacebar => _pageTop + height,
            ConsoleKey.PageUp => _pageTop - height,
            _ => key.KeyChar switch { 'j' => _pageTop + 1, 'k' => _pageTop - 1, 'b' => _pageTop - height, _ => _pageTop },
        };
        _pageTop = Math.Clamp(_pageTop, 0, Math.Max(0, _page!.Count - height));
        if (key.KeyChar is 'q' or 'h' || key.Key is ConsoleKey.Escape or ConsoleKey.Enter)
            (_page, _detail) = (null, null);
    }

    /// <summary>The frame for the current state, also what tests snapshot.</summary>
    public List<StyledLine> Frame()
    {
        if (_stats is not null)
        {
            var table = _stats.Lines(_size.W, _size.H);
            while (table.Count < _size.H - 1) table.Add(new StyledLine().Add("~", Style.Dim));
            return [.. table, Pad(new StyledLine().Add(" Enter: only this function   j/k: move   q: back", Style.Status), Style.Status)];
        }
        if (_page is not null)
            return _page.Skip(_pageTop).Take(_size.H - 1)
                .Select(l => l.Slice(0, _size.W))
                .Append(Pad(new StyledLine().Add(" q: back   j/k: scroll", Style.Status), Style.Status)).ToList();
        var lines = new List<StyledLine>();
        foreach (var (row, selected) in _viewport.Visible())
        {
            var line = _formatter.Format(row).Slice(_hscroll, _size.W).Highlight(_pattern);
            lines.Add(selected ? Pad(Restyle(line, Style.Selected), Style.Selected) : line);
        }
        if (lines.Count == 0)
            lines.Add(new StyledLine().Add(_scope == ViewScope.All ? "(no calls recorded yet: F follows the database)" : "(nothing matches)", Style.Dim));
        while (lines.Count < _viewport.Height)
            lines.Add(new StyledLine().Add("~", Style.Dim));
        if (_search is not null)
        {
            lines.Add(new StyledLine().Add("search: regular expression over names, arguments and results", Style.Dim));
            lines.Add(_search.Render(_size.W));
        }
        else if (_filtering)
        {
            lines.Add(_filter.Info());
            lines.Add(_filter.Editor.Render(_size.W));
        }
        else
        {
            lines.Add(Pad(new StyledLine().Add(StatusText(), Style.Status), Style.Status));
            lines.Add(new StyledLine().Add(_message ?? (_follow ? "following: any key stops" : "h: help  q: quit"), _message is null ? Style.Dim : Style.Plain));
        }
        return lines;
    }

    public void Render() => _screen.Draw(Frame());

    private string StatusText()
    {
        var (shown, total) = _counts.Read();
        string N(long? n) => n?.ToString("N0", CultureInfo.InvariantCulture) ?? "…";
        var parts = new List<string>();
        // Whoever follows a live program wants to see it finish; outside follow mode only a live run is worth a word.
        var run = _summary.Running switch
        {
            true => "running",
            false when _follow => "run ended" + (_summary.ExitCode is { } code ? $" (exit {code})" : ""),
            _ => null,
        };
        // Follow mode first: it must stay visible however narrow the terminal is.
        if (_follow)
            parts.Add($"FOLLOWING: {N((_summary.MaxId ?? 0) - _followFrom)} new" + (run is null ? "" : ", " + run));
        parts.Add(System.IO.Path.GetFileName(_db.Path));
        if (_scope.Filter is { } f)
            parts.Add($"filter: {f.Source}");
        if (_scope.Thread is { } t)
            parts.Add($"thread {t.Pid}/{t.Tid}");
        parts.Add($"{N(shown)} / {N(total)} calls");
        if (_summary.Dropped > 0)
            parts.Add($"{N(_summary.Dropped)} dropped");
        if (!_follow && run is not null)
            parts.Add(run);
        if (_viewport.Current is { } row && row.Anchor != long.MaxValue)
        {
            // A return line sits where its call's subtree ends: its anchor is a position there, not the call's id.
            long id = row.Call?.Id ?? row.Anchor;
            parts.Add((row.Kind == RowKind.Exit ? $"return of call {id}" : $"call {id}")
                + (_summary.MaxId is > 0 and var max ? $" ({100 * row.Anchor / max}%)" : ""));
        }
        if (_viewport.AtEnd)
            parts.Add("END");
        return " " + string.Join("  |  ", parts);
    }

    private StyledLine Pad(StyledLine line, Style style) =>
        line.Length < _size.W ? line.Add(new string(' ', _size.W - line.Length), style) : line;

    private static StyledLine Restyle(StyledLine line, Style style)
    {
        var result = new StyledLine();
        foreach (var span in line.Spans)
            result.Add(span.Text, span.Style == Style.Match ? Style.Plain : style);
        return result;
    }

    public void Dispose()
    {
        _history.Save();
        _counter.Dispose();
    }
}
