using Pytrace.Reader.Data;

namespace Pytrace.Reader.Filter;

/// <summary>
/// Answers the queries a filter compiles with: names, values and types looked up in the small tables (functions,
/// threads, strings, vals), as id lists. Answers are kept until another connection commits, so recompiling while the
/// user types, or after a commit that changed nothing they name, asks the database once.
/// </summary>
public sealed class Catalog(TraceDb db)
{
    private readonly Dictionary<string, List<long[]>> _answers = [];
    private long _version = -1;

    /// <summary>What <c>calls.start</c> counts from (<see cref="TraceDb.EpochNs"/>).</summary>
    public long EpochNs => db.EpochNs;

    /// <summary>Every row of SQL (integer columns), with its parameters @p0...</summary>
    public List<long[]> Rows(string sql, IReadOnlyList<object?> parameters)
    {
        var version = db.DataVersion();
        if (version != _version)
        {
            _answers.Clear();
            _version = version;
        }
        var key = sql + "\u0001" + string.Join("\u0001", parameters.Select(p => p?.ToString()));
        if (_answers.TryGetValue(key, out var rows))
            return rows;
        rows = [];
        using (var reader = db.Command(sql, parameters))
            while (reader.Read())
            {
                var row = new long[reader.ColumnCount];
                for (var i = 0; i < row.Length; i++)
                    row[i] = reader.Long(i);
                rows.Add(row);
            }
        return _answers[key] = rows;
    }

    public List<long> Ids(string sql, IReadOnlyList<object?> parameters) => Rows(sql, parameters).Select(r => r[0]).ToList();

    /// <summary>Rows in vals: a scan of it (a value regex, a type) is cheap below some size, a cost above it.</summary>
    public long ValueCount => Rows("SELECT coalesce(max(id), 0) FROM vals", [])[0][0];
}
