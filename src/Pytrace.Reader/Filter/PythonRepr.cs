using System.Globalization;
using System.Text;

namespace Pytrace.Reader.Filter;

/// <summary>
/// What Python's <c>repr()</c> writes for a str: values are stored as their repr, so `value == 'ann'` also looks for
/// the str value <c>'ann'</c>, as a Python developer means it.
/// </summary>
public static class PythonRepr
{
    public static string Of(string text)
    {
        // Python picks double quotes only for a string with a single quote and no double quote.
        char quote = text.Contains('\'') && !text.Contains('"') ? '"' : '\'';
        var repr = new StringBuilder(text.Length + 2).Append(quote);
        foreach (var rune in text.EnumerateRunes())
        {
            int c = rune.Value;
            switch (c)
            {
                case '\\': repr.Append("\\\\"); break;
                case '\n': repr.Append("\\n"); break;
                case '\r': repr.Append("\\r"); break;
                case '\t': repr.Append("\\t"); break;
                default:
                    if (c == quote) repr.Append('\\').Append((char)c);
                    else if (c < 0x20 || c == 0x7f) repr.Append("\\x").Append(c.ToString("x2", CultureInfo.InvariantCulture));
                    else if (Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
                             or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned
                             || (Rune.GetUnicodeCategory(rune) == UnicodeCategory.SpaceSeparator && c != ' '))
                        repr.Append(c <= 0xff ? $"\\x{c:x2}" : c <= 0xffff ? $"\\u{c:x4}" : $"\\U{c:x8}");
                    else repr.Append(rune.ToString());
                    break;
            }
        }
        return repr.Append(quote).ToString();
    }
}
