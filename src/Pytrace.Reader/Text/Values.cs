namespace Pytrace.Reader.Text;

/// <summary>Value text for one-line display: cut with "...", control characters made visible, exceptions as their repr.</summary>
public static class Values
{
    /// <summary>VALUE in at most MAX terminal cells: cut with "..." on a character boundary.</summary>
    public static string Cut(string value, int max)
    {
        var flat = ControlChars.Escape(value);
        if (max < 4 || Cells.Width(flat) <= max)
            return flat;
        var kept = new System.Text.StringBuilder();
        var cells = 0;
        foreach (var rune in flat.EnumerateRunes())
        {
            var width = Cells.Width(rune);
            if (cells + width > max - 3)
                break;
            kept.Append(rune.ToString());
            cells += width;
        }
        return kept.Append("...").ToString();
    }

    /// <summary>The recorded exception is its repr (PaymentError('card declined')); the type alone when none was recorded.</summary>
    public static string Exception(string? type, string? repr) =>
        string.IsNullOrEmpty(repr) ? type ?? "Exception" : repr;

    /// <summary>
    /// The text of a str's repr ('it\'s', "it's", or 'cut...' as the tracer cuts long values), with only quotes
    /// and backslashes unescaped: \n and the like stay visible. Anything else comes back as is.
    /// </summary>
    public static string StrText(string repr)
    {
        if (repr.Length < 2 || repr[0] is not ('\'' or '"'))
            return repr;
        string body;
        if (repr[^1] == repr[0])
            body = repr[1..^1];
        else if (repr.EndsWith("...", StringComparison.Ordinal))
            body = repr[1..];
        else
            return repr;
        var text = new System.Text.StringBuilder(body.Length);
        for (var i = 0; i < body.Length; i++)
        {
            if (body[i] == '\\' && i + 1 < body.Length && body[i + 1] is '\\' or '\'' or '"')
                i++;
            text.Append(body[i]);
        }
        return text.ToString();
    }
}
