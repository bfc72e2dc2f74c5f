using Pytrace.Reader.Data;
using Pytrace.Reader.Filter;
using Pytrace.Reader.Text;
using Schema = Pytrace.Storage.Schema;

namespace Pytrace.Reader.Ui;

/// <summary>Everything about one call, values in full and wrapped to the screen width.</summary>
public static class DetailView
{
    public static List<StyledLine> Lines(CallRow call, IReadOnlyList<ArgValue> args, string? threadName, TimeZoneInfo zone, int width)
    {
        var lines = new List<StyledLine>();
        void Add(string text, Style style = Style.Plain) => lines.Add(new StyledLine().Add(text, style));
        void Wrapped(string label, string value, Style style)
        {
            var indent = new string(' ', 6);
            var room = Math.Max(10, width - indent.Length);
            lines.Add(new StyledLine().Add("    " + label));
            // Escaped before wrapping, so a wrapped piece fits the width it was cut for.
            foreach (var part in value.Split('\n').Select(ControlChars.Escape))
                for (var i = 0; i == 0 || i < part.Length; i += room)
                    lines.Add(new StyledLine().Add(indent).Add(part.Substring(i, Math.Min(room, part.Length - i)), style));
        }

        Add($"{call.QualifiedName}   (call {call.Id}{(call.Kind == Schema.CallKind.Resume ? ", generator resumed" : call.Kind == Schema.CallKind.Log ? ", log record" : "")})", Style.Name);
        Add($"  file      {call.File}:{call.Line}");
        Add($"  where     pid {call.Pid}  tid {call.Tid}{(string.IsNullOrEmpty(threadName) ? "" : $" ({threadName})")}  depth {call.Depth}"
            + (call.Parent is { } p ? $"  parent call {p}" : ""));
        // A log record is an instant with fields (its message first): no end, duration or result to show.
        var log = call.Kind == Schema.CallKind.Log;
        if (log)
            Add($"  logged    {TimeLiteral.Format(call.StartNs, zone, withDate: true)}");
        else
        {
            Add($"  started   {TimeLiteral.Format(call.StartNs, zone, withDate: true)}");
            Add(call.EndNs is { } end
                ? $"  ended     {TimeLiteral.Format(end, zone, withDate: true)}   duration {Durations.Format(end - call.StartNs)}"
                : "  ended     (unfinished)");
        }
        Add("");
        var noun = log ? "fields" : "arguments";
        Add(args.Count == 0 ? $"  no {noun}" : $"  {noun}");
        foreach (var arg in args)
            Wrapped($"{arg.Name}: {arg.Type}", arg.Value, Style.Plain);
        if (log)
            return lines;
        Add("");
        switch (call.EndKind)
        {
            case Schema.EndKind.Return:
                Wrapped($"returned: {call.ResultType}", call.Result ?? "", Style.Result);
                break;
            case Schema.EndKind.Yield:
                Wrapped($"yielded: {call.ResultType}", call.Result ?? "", Style.Result);
                break;
            case Schema.EndKind.Exception:
                Wrapped($"✗ raised: {call.ResultType}", call.Result ?? "", Style.Error);
                break;
            default:
                Add("  still running when recorded (unfinished)", Style.Dim);
                break;
        }
        return lines;
    }
}
