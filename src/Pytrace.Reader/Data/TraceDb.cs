using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Pytrace.Reader.Filter;
using Pytrace.Storage;

namespace Pytrace.Reader.Data;

/// <summary>A read-only connection to a traces database, checked to be one and equipped for filters.</summary>
public sealed class TraceDb : IDisposable
{
    public const string DefaultPath = "traces.sqlite";

    // Patterns repeat for every row of a scan; compiling once per distinct pattern keeps REGEXP cheap.
    private static readonly ConcurrentDictionary<string, Regex?> RegexCache = new();

    public SqliteConnection Connection { get; }
    public string Path { get; }

    private readonly FileIdentity? _opened;

    private TraceDb(SqliteConnection connection, string path)
    {
        Connection = connection;
        Path = path;
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
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            // Python names are case-sensitive, and a case-sensitive LIKE can use vals_text for its prefix.
            Execute(connection, "PRAGMA case_sensitive_like = ON");
            Execute(connection, "PRAGMA busy_timeout = 2000");
            connection.CreateFunction("regexp", (string? pattern, string? input) => IsMatch(pattern, input), isDeterministic: true);
            var version = ReadVersion(connection);
            if (version != Schema.Version.ToString(System.Globalization.CultureInfo.InvariantCulture))
                throw new TraceDbException(
                    $"{path} has traces schema version {version}; this pytrace reads version {Schema.Version}: record it again with this pytrace");
            return new TraceDb(connection, path);
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new TraceDbException($"cannot read {path}: {FirstLine(e.Message)}");
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static string ReadVersion(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        // Tables every schema version has: a file with them is a trace, of whichever version meta says.
        command.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('meta', 'calls', 'functions', 'strings')";
        if (Convert.ToInt32(command.ExecuteScalar()) != 4)
            throw new TraceDbException($"{connection.DataSource} is not a pytrace database");
        command.CommandText = "SELECT value FROM meta WHERE key = 'schema_version'";
        return command.ExecuteScalar()?.ToString() ?? "(none)";
    }

    private static bool IsMatch(string? pattern, string? input)
    {
        if (pattern is null || input is null)
            return false;
        // The parser and the search prompt refuse a pattern that does not compile, so null only fails closed.
        return RegexCache.GetOrAdd(pattern, p => UserRegex.TryCompile(p, out _))?.IsMatch(input) ?? false;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static string FirstLine(string message)
    {
        var line = message.Split('\n')[0];
        return line.StartsWith("SQLite Error ", StringComparison.Ordinal) && line.IndexOf(": ", StringComparison.Ordinal) is var i and > 0
            ? line[(i + 2)..].Trim('\'', '.', ' ')
            : line;
    }

    public SqliteCommand Command(string sql, IEnumerable<object?>? parameters = null)
    {
        var command = Connection.CreateCommand();
        command.CommandText = sql;
        var n = 0;
        foreach (var value in parameters ?? [])
            command.Parameters.AddWithValue("@p" + n++, value ?? DBNull.Value);
        return command;
    }

    public object? Scalar(string sql, params object?[] parameters)
    {
        using var command = Command(sql, parameters);
        var value = command.ExecuteScalar();
        return value is DBNull ? null : value;
    }

    public long? ScalarLong(string sql, params object?[] parameters) =>
        Scalar(sql, parameters) is { } value ? Convert.ToInt64(value) : null;

    /// <summary>The first column of every row, as integers.</summary>
    public List<long> Longs(string sql, params object?[] parameters)
    {
        using var command = Command(sql, parameters);
        using var reader = command.ExecuteReader();
        var values = new List<long>();
        while (reader.Read())
            values.Add(reader.GetInt64(0));
        return values;
    }

    /// <summary>Changes whenever another connection (the tracer's dumper) has committed since the last call.</summary>
    public long DataVersion() => ScalarLong("PRAGMA data_version") ?? 0;

    /// <summary>Makes the query running on this connection (another thread's) stop with SQLITE_INTERRUPT.</summary>
    public void Interrupt() => SQLitePCL.raw.sqlite3_interrupt(Connection.Handle);

    public void Dispose() => Connection.Dispose();
}
