using System.Text;

namespace Pytrace.Storage.Native;

/// <summary>A prepared statement on a raw handle. Text and blobs are bound SQLITE_STATIC: the caller keeps them pinned until the step.</summary>
internal sealed unsafe class Statement : IDisposable
{
    private readonly nint _db;
    private nint _handle;

    public Statement(nint db, string sql)
    {
        _db = db;
        TraceDatabaseException.Check(SqliteNative.Prepare(db, sql, -1, out _handle, 0), db, sql.Length > 60 ? sql[..60] : sql);
    }

    private static readonly byte[] NonNull = [0];

    public nint Handle => _handle;

    public Statement Bind(int index, long value) { SqliteNative.BindInt64(_handle, index, value); return this; }

    public Statement Bind(int index, long? value)
    {
        if (value is { } v) SqliteNative.BindInt64(_handle, index, v); else SqliteNative.BindNull(_handle, index);
        return this;
    }

    /// <summary>Binds TEXT copied (SQLITE_TRANSIENT): for the few strings bound outside the per-call path.</summary>
    public Statement Bind(int index, string? text)
    {
        if (text is null) { SqliteNative.BindNull(_handle, index); return this; }
        return Bind(index, Encoding.UTF8.GetBytes(text));
    }

    public Statement Bind(int index, ReadOnlySpan<byte> utf8)
    {
        // An empty span pins to a null pointer, which SQLite would bind as NULL rather than ''.
        fixed (byte* p = utf8.IsEmpty ? NonNull : utf8) SqliteNative.BindText(_handle, index, p, utf8.Length, SqliteNative.Transient);
        return this;
    }

    public Statement BindNull(int index) { SqliteNative.BindNull(_handle, index); return this; }

    /// <summary>Runs a statement that returns no rows.</summary>
    public void Execute()
    {
        int rc = SqliteNative.Step(_handle);
        SqliteNative.Reset(_handle);
        if (rc != SqliteNative.DONE && rc != SqliteNative.ROW) TraceDatabaseException.Check(rc, _db, "step");
    }

    /// <summary>The next row, or false at the end (then the statement is reset for another run).</summary>
    public bool Step()
    {
        int rc = SqliteNative.Step(_handle);
        if (rc == SqliteNative.ROW) return true;
        SqliteNative.Reset(_handle);
        if (rc != SqliteNative.DONE) TraceDatabaseException.Check(rc, _db, "step");
        return false;
    }

    public long Column(int index) => SqliteNative.ColumnInt64(_handle, index);

    /// <summary>Runs a statement and returns the first column of its first row, or null.</summary>
    public long? ScalarInt64()
    {
        int rc = SqliteNative.Step(_handle);
        long? value = rc == SqliteNative.ROW && SqliteNative.ColumnType(_handle, 0) != SqliteNative.NULL_TYPE
            ? SqliteNative.ColumnInt64(_handle, 0) : null;
        SqliteNative.Reset(_handle);
        if (rc != SqliteNative.DONE && rc != SqliteNative.ROW) TraceDatabaseException.Check(rc, _db, "step");
        return value;
    }

    public void Dispose()
    {
        if (_handle == 0) return;
        SqliteNative.Finalize(_handle);
        _handle = 0;
    }
}
