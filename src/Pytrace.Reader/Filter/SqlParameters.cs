namespace Pytrace.Reader.Filter;

/// <summary>The parameters of one SQL statement, named @p0, @p1... in the order they are added.</summary>
public sealed class SqlParameters
{
    public List<object?> Values { get; } = [];

    /// <summary>Adds VALUE and returns its name for the SQL text.</summary>
    public string Add(object? value)
    {
        Values.Add(value);
        return "@p" + (Values.Count - 1);
    }
}
