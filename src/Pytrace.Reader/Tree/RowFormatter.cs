using Pytrace.Reader.Data;
using Pytrace.Reader.Filter;
using Pytrace.Reader.Text;
using Schema = Pytrace.Storage.Schema;

namespace Pytrace.Reader.Tree;

/// <summary>Lays a display row out as the issue's tree line: time, [pid], [tid], indentation, arrow, call, result.</summary>
public sealed class RowFormatter(bool showPid, bool showTid, TimeZoneInfo zone, int valueWidth = 40)
{
    public int ValueWidth { get; set; } = valueWidth;

    public StyledLine Format(DisplayRow row)
    {
        var line = new StyledLine();
        if (row.Kind == RowKind.Drop)
        {
            var drop = row.Drop!;
            return line.Add(TimeLiteral.Format(drop.TimeNs, zone, withDate: false), Style.Dim)
                .Add(drop.HookTaken
                    ? $"  ~~~~ not recorded for {GapLength(drop)}: another profiler held the hook (pid {drop.Pid}, tid {drop.Tid}) ~~~~"
                    : $"  ~~~~ {drop.Count} records dropped (pid {drop.Pid}) ~~~~", Style.Drop);
        }
        var call = row.Call!;
        line.Add(TimeLiteral.Format(row.Kind == RowKind.Exit ? call.EndNs ?? call.StartNs : call.StartNs, zone, withDate: false), Style.Dim);
        if (showPid)
            line.Add($"  {call.Pid,6}", Style.Dim);
        if (showTid)
            line.Add($"  {call.Tid,6} {ThreadLabel(call.ThreadName)}", Style.Dim);
        line.Add("  " + new string(' ', 2 * Math.Min(call.Depth, MaxIndentedDepth)));
        // Deeper than this, more indentation would push the call off the screen: the depth is written instead.
        if (call.Depth > MaxIndentedDepth)
            line.Add($"⋯{call.Depth} ", Style.Dim);
        if (row.Kind == RowKind.Exit)
        {
            line.Add(call.Kind == Schema.CallKind.Class ? "← class " : "← ").Add(call.QualifiedName, Style.Name);
            return AddEnd(line, call);
        }
        if (call.Kind == Schema.CallKind.Log)
            return AddLog(line, row.Args);
        // A class statement's body: what it defines follows, it takes nothing and its None result says nothing.
        if (call.Kind == Schema.CallKind.Class)
        {
            line.Add("→ class ").Add(call.QualifiedName, Style.Name);
            return row.Kind == RowKind.Leaf ? AddEnd(line, call) : line;
        }
        line.Add(call.Kind == Schema.CallKind.Resume ? "↻ " : "→ ").Add(call.QualifiedName, Style.Name).Add("(");
        for (var i = 0; i < row.Args.Count; i++)
            line.Add((i > 0 ? ", " : "") + row.Args[i].Name + "=" + Values.Cut(row.Args[i].Value, ValueWidth));
        line.Add(")");
        return row.Kind == RowKind.Leaf ? AddEnd(line, call) : line;
    }

    // A pytrace.log() record reads as a log line: its message as text, then its fields; it has no result or duration.
    private StyledLine AddLog(StyledLine line, IReadOnlyList<ArgValue> args)
    {
        line.Add("• ").Add("log:", Style.Name);
        if (args.Count == 0)
            return line;
        var message = args[0].Type == "str" ? Values.StrText(args[0].Value) : args[0].Value;
        if (message.Length > 0)
            line.Add(" " + Values.Cut(message, ValueWidth));
        for (var i = 1; i < args.Count; i++)
            line.Add((i == 1 ? "  " : " ") + args[i].Name + "=" + Values.Cut(args[i].Value, ValueWidth));
        return line;
    }

    private StyledLine AddEnd(StyledLine line, CallRow call)
    {
        switch (call.EndKind)
        {
            // A class body's value is the class, shown by its call; an end with no recorded value (a C function's) has none.
            case Schema.EndKind.Return when call.Kind == Schema.CallKind.Class || call.Result is null:
                break;
            case Schema.EndKind.Exception when call.Result is null:
                line.Add("  ✗ raised", Style.Error);
                break;
            case Schema.EndKind.Return:
                line.Add("  = " + Values.Cut(call.Result ?? "", ValueWidth), Style.Result);
                break;
            case Schema.EndKind.Yield:
                line.Add("  yield " + Values.Cut(call.Result ?? "", ValueWidth), Style.Result);
                break;
            case Schema.EndKind.Exception:
                line.Add("  ✗ " + Values.Cut(Values.Exception(call.ResultType, call.Result), ValueWidth), Style.Error);
                break;
            case Schema.EndKind.Unfinished:
                line.Add("  … unfinished", Style.Dim);
                break;
        }
        if (call.DurationNs is { } ns)
            line.Add("  " + Durations.Format(ns), Style.Dim);
        return line;
    }

    /// <summary>Thread names take this many columns, cut with … past them, so the tree lines up across threads.</summary>
    public const int ThreadNameWidth = 12;

    private static string ThreadLabel(string? name)
    {
        name ??= "";
        return name.Length > ThreadNameWidth ? name[..(ThreadNameWidth - 1)] + "…" : name.PadRight(ThreadNameWidth);
    }

    /// <summary>Indentation stops growing here (2 columns a level): every row keeps room for its name and arguments.</summary>
    public const int MaxIndentedDepth = 24;

    private static string GapLength(DropRow drop)
    {
        double ms = Math.Max(0, (drop.EndedNs ?? drop.TimeNs) - drop.TimeNs) / 1e6;
        return ms >= 1000 ? (ms / 1000).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + " s"
            : ms.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + " ms";
    }
}
