namespace Pytrace.Reader.Filter;

/// <summary>A filter the user must fix; COLUMN (0-based) and LENGTH locate the offending token.</summary>
public sealed class FilterException(string message, int column, int length) : Exception(message)
{
    public int Column { get; } = column;
    public int Length { get; } = Math.Max(1, length);

    /// <summary>"column 17: unknown field 'foo' ..." — one line for stderr.</summary>
    public string OneLine => $"column {Column + 1}: {Message}";

    /// <summary>A caret line to print under the filter text.</summary>
    public string Caret => new string(' ', Column) + new string('^', Length);
}
