namespace Pytrace.Reader.Filter;

/// <summary>A filter as a SQL condition over <c>calls c</c>, with positional parameters @p0...</summary>
public sealed record CompiledFilter(string Source, Node Tree, string Sql, IReadOnlyList<object?> Parameters);
