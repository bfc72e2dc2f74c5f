namespace Pytrace.Reader.Filter;

/// <summary>
/// How a filter's text literal compares: `%` is the only wildcard (any run of characters); `_`, which SQL's LIKE
/// would take for "any one character", is literal, because Python names are full of underscores.
/// </summary>
public static class TextMatch
{
    public static bool HasWildcard(string value) => value.Contains('%');

    /// <summary>The SQL comparison of COLUMN with the parameter PARAMETER holding <see cref="Parameter"/>(VALUE).</summary>
    public static string Sql(string column, string parameter, string value, bool equal)
    {
        if (!HasWildcard(value)) return $"{column} {(equal ? "=" : "!=")} {parameter}";
        // Without anything to escape, no ESCAPE clause: SQLite then still uses an index for the prefix.
        string escape = NeedsEscape(value) ? " ESCAPE '\\'" : "";
        return $"{column} {(equal ? "LIKE" : "NOT LIKE")} {parameter}{escape}";
    }

    /// <summary>The value to bind for <see cref="Sql"/>: `_` and `\` escaped when there is a `%`.</summary>
    public static string Parameter(string value) =>
        HasWildcard(value) && NeedsEscape(value) ? value.Replace("\\", "\\\\").Replace("_", "\\_") : value;

    private static bool NeedsEscape(string value) => value.AsSpan().IndexOfAny('_', '\\') >= 0;
}
