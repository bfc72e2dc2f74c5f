using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Pytrace.Reader.Filter;
using Pytrace.Storage;

namespace Pytrace.Reader.Data;

/// <summary>A read-only connection to a traces database, checked to be one and equipped for filters.</summary>
public sealed class TraceDb : IDisposable
{
    public const string DefaultPath = "traces.sqlite";

    // Patterns repeat for every row of a scan; compiling once per distinct pattern keeps REGEXP cheap.
    private static readonly ConcurrentDictionary<string, Regex?> RegexCache = new();

    public ReadConnection Connection { get; }
    public string Path { get; }

    /// <summary>What <c>calls.start</c> counts from, ns since the Unix epoch: a call starts at EpochNs + start.</summary>
    public long EpochNs { get; }

    private readonly FileIdentity? _opened;

    private TraceDb(ReadConnection connection, string path, long epochNs)
    {
        Connection = connection;
        Path = path;
        EpochNs = epochNs;
        _opened = FileIdentity.Of(path);
    }

    /// <summary>Whether another file now stands at this database's path (a new run replaced it).</summary>
    public bool Replaced => FileIdentity.Of(Path) is { } now && now != _opened;

    /// <summary>Opens PATH read-only; throws <see cref="TraceDbException"/> with a user-facing line otherwise.</summary>
    public static TraceDb Open(string path)
    {
        if (Directory.Exists(path))
            throw new TraceDbException($"{path} is a directory, not a traces database");
        if (!File.Exists(path))
            throw new TraceDbException($"no traces database at {path} (run `pytrace SCRIPT` first, or pass --db PATH)");
        ReadConnection? connection = null;
        try
        {
            connection = ReadConnection.Open(path, busyTimeoutMs: 2000);
            // Python names are case-sensitive, and a case-sensitive LIKE can use strings_text for its prefix.
            connection.Execute("PRAGMA case_sensitive_like = ON");
            connection.DefineRegexp(IsMatch);
            var version = ReadVersion(connection, path);
            if (version != Schema.Version.ToString(System.Globalization.CultureInfo.InvariantCulture))
                throw new TraceDbException(
                    $"{path} has traces schema version {version}; this pytrace reads version {Schema.Version}: record it again with this pytrace");
            var epoch = connection.Scalar($"SELECT CAST(value AS INTEGER) FROM meta WHERE key = '{Schema.EpochNs}'");
            return new TraceDb(connection, path, epoch is long ns ? ns : 0);
        }
        catch (TraceDatabaseException e)
        {
            connection?.Dispose();
            throw new TraceDbException($"cannot read {path}: {e.Message}");
        }
        catch
        {
            connection?.Dispose();
            throw;
        }
    }

    private static string ReadVersion(ReadConnection connection, string path)
    {
        // Tables (calls a view since schema 7) every schema version has: a file with them is a trace, of whichever version meta says.
        if (connection.Scalar("SELECT count(*) FROM sqlite_master WHERE type IN ('table', 'view') AND name IN ('meta', 'calls', 'functions', 'strings')") is not 4L)
            throw new TraceDbException($"{path} is not a pytrace database");
        return connection.Scalar("SELECT value FROM meta WHERE key = 'schema_version'")?.ToString() ?? "(none)";
    }

    private static bool IsMatch(string? pattern, string? input)
    {
        if (pattern is null || input is null)
            return false;
        // The parser and the search prompt refuse a pattern that does not compile, so null only fails closed.
        return RegexCache.GetOrAdd(pattern, p => UserRegex.TryCompile(p, out _))?.IsMatch(input) ?? false;
    }

    /// <summary>SQL with positional parameters <c>@p0</c>, <c>@p1</c>, …; more by name with <see cref="QueryRows.Set"/>.</summary>
    public QueryRows Command(string sql, IEnumerable<object?>? parameters = null) => Connection.Query(sql, parameters);

    public object? Scalar(string sql, params object?[] parameters) => Connection.Scalar(sql, parameters);

    public long? ScalarLong(string sql, params object?[] parameters) =>
        Scalar(sql, parameters) is { } value ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>The first column of every row, as integers.</summary>
    public List<long> Longs(string sql, params object?[] parameters)
    {
        using var rows = Command(sql, parameters);
        var values = new List<long>();
        while (rows.Read())
            values.Add(rows.Long(0));
        return values;
    }

    /// <summary>Changes whenever another connection (the tracer's dumper) has committed since the last call.</summary>
    public long DataVersion() => ScalarLong("PRAGMA data_version") ?? 0;

    /// <summary>Makes the query running on this connection (another thread's) stop with SQLITE_INTERRUPT.</summary>
    public void Interrupt() => Connection.Interrupt();

    public void Dispose() => Connection.Dispose();
}
