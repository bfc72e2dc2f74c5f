using System.Text;
using Wcwidth;

namespace Pytrace.Reader.Text;

/// <summary>
/// Terminal cells, not UTF-16 units: 日 takes two, a combining accent none, a letter outside the BMP one. Text
/// reaching here has its control characters escaped already (<see cref="StyledLine.Add"/>).
/// </summary>
public static class Cells
{
    public static int Width(Rune rune) => Math.Max(0, UnicodeCalculator.GetWidth(rune));

    public static int Width(string text)
    {
        var cells = 0;
        foreach (var rune in text.EnumerateRunes())
            cells += Width(rune);
        return cells;
    }

    /// <summary>
    /// The part of TEXT that shows in cells [FROM, TO) when TEXT starts at cell START. Half of a wide character
    /// at either edge becomes a space, so what is drawn is exactly TO - FROM cells wide (or the text's end).
    /// </summary>
    public static string Slice(string text, int start, int from, int to)
    {
        var result = new StringBuilder();
        var cell = start;
        foreach (var rune in text.EnumerateRunes())
        {
            var width = Width(rune);
            if (width == 0)
            {
                // a combining mark goes with the character before it
                if (cell > from && cell <= to)
                    result.Append(rune.ToString());
                continue;
            }
            if (cell >= to)
                break;
            if (cell >= from && cell + width <= to)
                result.Append(rune.ToString());
            else if (cell + width > from)
                result.Append(' ', Math.Min(cell + width, to) - Math.Max(cell, from));
            cell += width;
        }
        return result.ToString();
    }
}
