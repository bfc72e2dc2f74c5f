namespace Pytrace.Reader.Text;

/// <summary>Value text for one-line display: cut with "...", newlines made visible, exceptions as Type('msg').</summary>
public static class Values
{
    public static string Cut(string value, int max)
    {
        var flat = value.Replace("\n", "\\n").Replace("\r", "\\r").Replace("\t", "\\t");
        return flat.Length <= max || max < 4 ? flat : flat[..(max - 3)] + "...";
    }

    /// <summary>How Python's repr shows an exception built from its message: PaymentError('card declined').</summary>
    public static string Exception(string? type, string? message) =>
        $"{type ?? "Exception"}({(string.IsNullOrEmpty(message) ? "" : PyRepr(message))})";

    /// <summary>Python's repr of a str: single quotes unless the text has ' and no ".</summary>
    public static string PyRepr(string text)
    {
        var quote = text.Contains('\'') && !text.Contains('"') ? '"' : '\'';
        var escaped = text.Replace("\\", "\\\\").Replace("\n", "\\n").Replace("\t", "\\t").Replace("\r", "\\r");
        if (quote == '\'')
            escaped = escaped.Replace("'", "\\'");
        return quote + escaped + quote;
    }
}
