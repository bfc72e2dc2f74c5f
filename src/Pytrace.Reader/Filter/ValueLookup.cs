using System.Text;
using Pytrace.Storage;

namespace Pytrace.Reader.Filter;

/// <summary>
/// Comparisons of vals' text that SQLite answers from vals_prefix, the index of the text's first characters
/// (<see cref="Schema.ValuePrefix"/>): each adds a condition on that prefix to the comparison of the whole text.
/// </summary>
public static class ValueLookup
{
    /// <summary>COLUMN is one of the texts the PARAMETERS name.</summary>
    public static string In(string column, params string[] parameters) =>
        $"({Schema.ValuePrefix(column)} IN ({string.Join(", ", parameters.Select(Schema.ValuePrefix))}) " +
        $"AND {column} IN ({string.Join(", ", parameters)}))";

    /// <summary>
    /// <see cref="TextMatch.Sql"/> for COLUMN and the filter literal VALUE, its parameter already added as PARAMETER;
    /// a LIKE also bounds the prefix to the literal text before its first wildcard, added through ADD.
    /// </summary>
    public static string Match(string column, string parameter, string value, bool equal, Func<string, string> add)
    {
        var match = TextMatch.Sql(column, parameter, value, equal);
        if (!equal) return match;
        if (!TextMatch.HasWildcard(value)) return In(column, parameter);
        var literal = FirstCharacters(value[..value.IndexOf('%')]);
        if (literal.Length == 0) return match;
        var prefix = Schema.ValuePrefix(column);
        var range = $"{prefix} >= {add(literal)}";
        if (Successor(literal) is { } above)
            range += $" AND {prefix} < {add(above)}";
        return $"({range} AND {match})";
    }

    /// <summary>The condition and order of the texts of COLUMN from PARAMETER's on, as the index yields them.</summary>
    public static string From(string column, string parameter) =>
        $"{Schema.ValuePrefix(column)} >= {Schema.ValuePrefix(parameter)} AND {column} >= {parameter} " +
        $"ORDER BY {Schema.ValuePrefix(column)}, {column}";

    /// <summary>The condition and order of the texts of COLUMN before PARAMETER's, nearest first.</summary>
    public static string Before(string column, string parameter) =>
        $"{Schema.ValuePrefix(column)} <= {Schema.ValuePrefix(parameter)} AND {column} < {parameter} " +
        $"ORDER BY {Schema.ValuePrefix(column)} DESC, {column} DESC";

    // TEXT's first characters as SQLite's substr counts them: code points, not UTF-16 units.
    private static string FirstCharacters(string text)
    {
        var builder = new StringBuilder();
        int count = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (count++ == Schema.ValuePrefixLength) break;
            builder.Append(rune.ToString());
        }
        return builder.ToString();
    }

    // The least text above every text starting with PREFIX (texts compare as UTF-8 bytes, so as code points), or
    // null when its last character is the greatest there is.
    private static string? Successor(string prefix)
    {
        Rune.DecodeLastFromUtf16(prefix, out var last, out int length);
        if (last.Value == 0x10FFFF) return null;
        var next = last.Value + 1 == 0xD800 ? new Rune(0xE000) : new Rune(last.Value + 1);
        return prefix[..^length] + next;
    }
}
