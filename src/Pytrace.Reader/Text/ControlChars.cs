using System.Globalization;
using System.Text;

namespace Pytrace.Reader.Text;

/// <summary>
/// Recorded text comes from the traced program (reprs, names, file names, log fields) and may hold terminal
/// controls: ESC, CSI and OSC sequences retitle the terminal, clear it or write the clipboard. Escaped as
/// \x1b, \x07, \n..., such text stays visible and inert, one char per column.
/// </summary>
public static class ControlChars
{
    /// <summary>TEXT with each C0 and C1 control and DEL written as its escape; TEXT itself when it has none.</summary>
    public static string Escape(string text)
    {
        var first = text.AsSpan().IndexOfAnyInRange('\0', '\x1f');
        var c1 = text.AsSpan().IndexOfAnyInRange('\x7f', '\x9f');
        if (first < 0 && c1 < 0)
            return text;
        var escaped = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (!char.IsControl(c))
                escaped.Append(c);
            else
                escaped.Append(c switch
                {
                    '\n' => @"\n",
                    '\r' => @"\r",
                    '\t' => @"\t",
                    _ => @"\x" + ((int)c).ToString("x2", CultureInfo.InvariantCulture),
                });
        }
        return escaped.ToString();
    }
}
