using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Pytrace.Storage.Native;

namespace Pytrace.Storage;

/// <summary>
/// A read-only connection for the reader and the query commands, on the same binding the writer uses. Queries take
/// their parameters by name (<c>@p0</c>, <c>@k</c>); a name the statement does not use is ignored.
/// </summary>
public sealed unsafe class ReadConnection : IDisposable
{
    private nint _db;
    private GCHandle _regexp;

    private ReadConnection(nint db) => _db = db;

    /// <summary>Opens PATH read-only; a SQLite failure is a <see cref="TraceDatabaseException"/> with SQLite's message.</summary>
    public static ReadConnection Open(string path, int busyTimeoutMs)
    {
        int rc = SqliteNative.Open(path, out nint db, SqliteNative.OPEN_READONLY, 0);
        if (rc != SqliteNative.OK)
        {
            var message = db != 0 ? SqliteNative.Message(db) : SqliteNative.Describe(rc);
            SqliteNative.Close(db);
            throw new TraceDatabaseException(message, rc);
        }
        SqliteNative.BusyTimeout(db, busyTimeoutMs);
        return new ReadConnection(db);
    }

    /// <summary>Runs SQL with positional parameters bound as <c>@p0</c>, <c>@p1</c>, …; read the rows, then dispose.</summary>
    public QueryRows Query(string sql, IEnumerable<object?>? parameters = null)
    {
        int rc = SqliteNative.Prepare(_db, sql, -1, out nint statement, 0);
        if (rc != SqliteNative.OK) throw Failure(rc);
        var rows = new QueryRows(this, statement);
        int n = 0;
        foreach (var value in parameters ?? [])
            rows.Set("@p" + n++, value);
        return rows;
    }

    public void Execute(string sql)
    {
        using var rows = Query(sql);
        while (rows.Read()) { }
    }

    /// <summary>The first column of the first row: long, double, string, or null.</summary>
    public object? Scalar(string sql, IEnumerable<object?>? parameters = null)
    {
        using var rows = Query(sql, parameters);
        return rows.Read() ? rows.Value(0) : null;
    }

    /// <summary>Makes the query running on this connection (another thread's) stop with SQLITE_INTERRUPT.</summary>
    public void Interrupt() => SqliteNative.Interrupt(_db);

    /// <summary>Defines SQL's <c>X REGEXP Y</c> as MATCHES(pattern Y, text X); NULL on either side is no match.</summary>
    public void DefineRegexp(Func<string?, string?, bool> matches)
    {
        if (_regexp.IsAllocated) _regexp.Free();
        _regexp = GCHandle.Alloc(matches);
        int rc = SqliteNative.CreateFunction(_db, "regexp", 2, SqliteNative.UTF8 | SqliteNative.DETERMINISTIC,
            GCHandle.ToIntPtr(_regexp), &Regexp, 0, 0, 0);
        if (rc != SqliteNative.OK) throw Failure(rc);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void Regexp(nint context, int count, nint* values)
    {
        // Nothing may unwind into SQLite: a matcher that throws answers "no match".
        try
        {
            var matches = (Func<string?, string?, bool>)GCHandle.FromIntPtr(SqliteNative.UserData(context)).Target!;
            SqliteNative.ResultInt(context, matches(ValueText(values[0]), ValueText(values[1])) ? 1 : 0);
        }
        catch
        {
            SqliteNative.ResultInt(context, 0);
        }
    }

    private static string? ValueText(nint value)
    {
        byte* text = SqliteNative.ValueText(value);
        return text == null ? null : Encoding.UTF8.GetString(text, SqliteNative.ValueBytes(value));
    }

    internal TraceDatabaseException Failure(int rc) => new(SqliteNative.Message(_db), rc);

    public void Dispose()
    {
        if (_db == 0) return;
        SqliteNative.Close(_db);
        _db = 0;
        if (_regexp.IsAllocated) _regexp.Free();
    }
}
