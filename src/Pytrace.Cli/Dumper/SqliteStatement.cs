using SQLitePCL;

namespace Pytrace.Cli.Dumper;

/// <summary>A prepared statement on the raw SQLite API: the dumper's insert path, about twice ADO.NET's rate.</summary>
internal sealed class SqliteStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    public SqliteStatement(sqlite3 db, string sql)
    {
        _db = db;
        Check(raw.sqlite3_prepare_v2(db, sql, out _statement), db, sql);
    }

    public SqliteStatement Bind(int index, long value) { raw.sqlite3_bind_int64(_statement, index, value); return this; }
    public SqliteStatement Bind(int index, string? value)
    {
        if (value is null) raw.sqlite3_bind_null(_statement, index); else raw.sqlite3_bind_text(_statement, index, value);
        return this;
    }
    public SqliteStatement BindUtf8(int index, byte[]? value)
    {
        if (value is null) raw.sqlite3_bind_null(_statement, index); else raw.sqlite3_bind_text(_statement, index, value);
        return this;
    }
    public SqliteStatement BindNull(int index) { raw.sqlite3_bind_null(_statement, index); return this; }

    /// <summary>Runs a statement that returns no rows.</summary>
    public void Execute()
    {
        int rc = raw.sqlite3_step(_statement);
        raw.sqlite3_reset(_statement);
        if (rc != raw.SQLITE_DONE && rc != raw.SQLITE_ROW) Check(rc, _db, "step");
    }

    /// <summary>Runs a statement and returns the first column of its first row, or null.</summary>
    public long? ScalarInt64()
    {
        int rc = raw.sqlite3_step(_statement);
        long? value = rc == raw.SQLITE_ROW && raw.sqlite3_column_type(_statement, 0) != raw.SQLITE_NULL
            ? raw.sqlite3_column_int64(_statement, 0) : null;
        raw.sqlite3_reset(_statement);
        if (rc != raw.SQLITE_DONE && rc != raw.SQLITE_ROW) Check(rc, _db, "step");
        return value;
    }

    public void Dispose() => raw.sqlite3_finalize(_statement);

    public static void Check(int rc, sqlite3 db, string what)
    {
        if (rc is raw.SQLITE_OK or raw.SQLITE_DONE or raw.SQLITE_ROW) return;
        throw new TraceDatabaseException($"{raw.sqlite3_errmsg(db).utf8_to_string()} ({what})");
    }
}

internal sealed class TraceDatabaseException(string message) : Exception(message);
