using Pytrace.Reader.Data;

namespace Pytrace.Reader.Filter;

/// <summary>
/// Existing values of a text field, for correction and Tab completion, from the small tables: functions (names,
/// and argument names in params), strings (type names) and vals (values, through vals_prefix). Bounded so a huge
/// db stays fast.
/// </summary>
public sealed class ValueSource(TraceDb db)
{
    private const int Limit = 200;
    private const string ArgNames = "SELECT DISTINCT p.value FROM functions f, json_each(f.params) p";

    public bool Exists(string field, string value)
    {
        // The parser admits only the choices, so a kind that matches nothing is no typo to correct.
        if (Field.Find(field)?.Choices is { } choices)
            return choices.Contains(value);
        var parameters = new SqlParameters();
        var text = parameters.Add(TextMatch.Parameter(value));
        var repr = parameters.Add(PythonRepr.Of(value));
        var sql = field switch
        {
            "module" or "func" or "file" => $"SELECT 1 FROM functions WHERE {TextMatch.Sql(Column(field), text, value, true)} LIMIT 1",
            "arg" => $"SELECT 1 FROM functions f, json_each(f.params) p WHERE {TextMatch.Sql("p.value", text, value, true)} LIMIT 1",
            "type" => $"SELECT 1 FROM strings WHERE {TextMatch.Sql("text", text, value, true)} LIMIT 1",
            "thread" => $"SELECT 1 FROM threads WHERE {TextMatch.Sql("name", text, value, true)} LIMIT 1",
            _ when !TextMatch.HasWildcard(value) => $"SELECT 1 FROM vals WHERE {ValueLookup.In("text", text, repr)} LIMIT 1", // as the filter compares
            _ => $"SELECT 1 FROM vals WHERE {ValueLookup.Match("text", text, value, true, v => parameters.Add(v))} LIMIT 1",
        };
        return db.Scalar(sql, [.. parameters.Values]) is not null;
    }

    /// <summary>Values of FIELD near TYPED: every one for small tables, index neighbours for argument values.</summary>
    public IEnumerable<string> Candidates(string field, string typed) => field switch
    {
        "module" or "func" or "file" => Strings($"SELECT DISTINCT {Column(field)} FROM functions LIMIT 50000"),
        "arg" => Strings($"{ArgNames} LIMIT 100000"),
        "type" => Strings("SELECT text FROM strings LIMIT 100000"),
        "thread" => Strings("SELECT DISTINCT name FROM threads WHERE name IS NOT NULL LIMIT 100000"),
        _ => new[] { typed, typed.ToLowerInvariant(), typed.ToUpperInvariant(), typed.Length > 0 ? typed[..1] : "" }
            .Distinct()
            .SelectMany(v => Strings($"SELECT DISTINCT text FROM vals WHERE {ValueLookup.From("text", "@p0")} LIMIT {Limit / 4}", v)
                .Concat(Strings($"SELECT DISTINCT text FROM vals WHERE {ValueLookup.Before("text", "@p0")} LIMIT 5", v)))
            .Distinct(),
    };

    /// <summary>Values of FIELD starting with PREFIX, for completion.</summary>
    public List<string> WithPrefix(string field, string prefix)
    {
        if (Field.Find(field)?.Choices is { } choices)
            return choices.Where(c => c.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        var sql = field switch
        {
            "module" or "func" or "file" => $"SELECT DISTINCT {Column(field)} FROM functions WHERE {Column(field)} >= @p0 ORDER BY 1 LIMIT {Limit}",
            "arg" => $"{ArgNames} WHERE p.value >= @p0 ORDER BY 1 LIMIT {Limit}",
            "type" => $"SELECT text FROM strings WHERE text >= @p0 ORDER BY text LIMIT {Limit}",
            "thread" => $"SELECT DISTINCT name FROM threads WHERE name >= @p0 ORDER BY name LIMIT {Limit}",
            _ => $"SELECT DISTINCT text FROM vals WHERE {ValueLookup.From("text", "@p0")} LIMIT {Limit}",
        };
        var values = Strings(sql, prefix).TakeWhile(v => v.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        if (field == "arg")
            values.AddRange(new[] { SqlCompiler.ReturnValue, SqlCompiler.Exception }.Where(v => v.StartsWith(prefix, StringComparison.Ordinal)));
        return values;
    }

    private static string Column(string field) => field == "func" ? "name" : field;

    private List<string> Strings(string sql, params object?[] parameters)
    {
        using var reader = db.Command(sql, parameters);
        var result = new List<string>();
        while (reader.Read())
            result.Add(reader.Text(0));
        return result;
    }
}
