using System.Text;

namespace Pytrace.Reader.Text;

/// <summary>
/// A line made of styled spans, measured in terminal cells (<see cref="Cells"/>). Every text the reader prints is
/// added here, so control characters are escaped once, before anything measures the line.
/// </summary>
public sealed class StyledLine
{
    public List<Span> Spans { get; } = [];

    /// <summary>Width in terminal cells.</summary>
    public int Length => Spans.Sum(s => Cells.Width(s.Text));

    public StyledLine Add(string text, Style style = Style.Plain)
    {
        if (text.Length > 0)
            Spans.Add(new Span(ControlChars.Escape(text), style));
        return this;
    }

    public string Plain()
    {
        var text = new StringBuilder();
        foreach (var span in Spans)
            text.Append(span.Text);
        return text.ToString();
    }

    /// <summary>The cells [SKIP, SKIP+WIDTH) of the line.</summary>
    public StyledLine Slice(int skip, int width)
    {
        var result = new StyledLine();
        var position = 0;
        foreach (var span in Spans)
        {
            var cells = Cells.Width(span.Text);
            if (position + cells > skip && position < skip + width)
                result.Add(Cells.Slice(span.Text, position, skip, skip + width), span.Style);
            position += cells;
        }
        return result;
    }

    /// <summary>Restyles the columns matched by REGEX (search highlighting).</summary>
    public StyledLine Highlight(System.Text.RegularExpressions.Regex? regex)
    {
        if (regex is null)
            return this;
        var plain = Plain();
        var marks = new bool[plain.Length];
        foreach (System.Text.RegularExpressions.Match m in regex.Matches(plain))
            for (var i = m.Index; i < m.Index + m.Length; i++)
                marks[i] = true;
        if (!marks.Contains(true))
            return this;
        var result = new StyledLine();
        var position = 0;
        foreach (var span in Spans)
        {
            for (var i = 0; i < span.Text.Length;)
            {
                var marked = marks[position + i];
                var j = i;
                while (j < span.Text.Length && marks[position + j] == marked)
                    j++;
                result.Add(span.Text[i..j], marked ? Style.Match : span.Style);
                i = j;
            }
            position += span.Text.Length;
        }
        return result;
    }
}
