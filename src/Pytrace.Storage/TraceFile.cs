using Pytrace.Storage.Native;

namespace Pytrace.Storage;

/// <summary>Tells a pytrace traces database (of any schema version) from everyone else's files, without writing to it.</summary>
public static class TraceFile
{
    private static ReadOnlySpan<byte> SqliteHeader => "SQLite format 3\0"u8;

    /// <summary>
    /// A SQLite file with pytrace's tables and a schema version: any other file is someone else's, and left untouched.
    /// An empty file, or a SQLite file with nothing in it, holds nothing to lose (another run may be creating it).
    /// </summary>
    public static bool IsOurs(string path)
    {
        Span<byte> header = stackalloc byte[16];
        try
        {
            using var file = File.OpenRead(path);
            int read = file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            if (read == 0) return true;
            if (read < header.Length || !header.SequenceEqual(SqliteHeader)) return false;
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
        // Another run may be creating this very file (holding its lock, or its WAL not yet readable): a question SQLite
        // cannot answer now is asked again, for a few seconds, before the file counts as foreign.
        for (int attempt = 0; ; attempt++)
        {
            int rc = Probe(path, out bool ours);
            if (rc == SqliteNative.OK) return ours;
            if (rc is not (SqliteNative.BUSY or SqliteNative.LOCKED or SqliteNative.CANTOPEN) || attempt >= 300) return false;
            Thread.Sleep(10);
        }
    }

    /// <summary>SQLITE_OK and the answer, or the SQLite error that kept the file from answering.</summary>
    private static int Probe(string path, out bool ours)
    {
        ours = false;
        int rc = SqliteNative.Open(path, out nint db, SqliteNative.OPEN_READONLY, 0);
        try
        {
            if (rc != SqliteNative.OK) return rc;
            SqliteNative.BusyTimeout(db, 3000);
            // Nothing in it yet (a run creating it writes the whole schema in one transaction), or pytrace's tables.
            rc = Count(db, "SELECT count(*) FROM sqlite_master", out long entries);
            if (rc != SqliteNative.OK || entries == 0) { ours = rc == SqliteNative.OK; return rc; }
            rc = Count(db, "SELECT count(*) FROM sqlite_master WHERE type IN ('table', 'view') AND name IN ('meta', 'runs', 'calls', 'functions')", out long tables);
            if (rc != SqliteNative.OK || tables != 4) return rc;
            rc = Count(db, "SELECT count(*) FROM meta WHERE key = 'schema_version'", out long versions);
            ours = versions == 1;
            return rc;
        }
        finally
        {
            SqliteNative.Close(db);
        }
    }

    private static int Count(nint db, string sql, out long count)
    {
        count = 0;
        int rc = SqliteNative.Prepare(db, sql, -1, out nint statement, 0);
        try
        {
            if (rc != SqliteNative.OK) return rc;
            rc = SqliteNative.Step(statement);
            if (rc != SqliteNative.ROW) return rc;
            count = SqliteNative.ColumnInt64(statement, 0);
            return SqliteNative.OK;
        }
        finally
        {
            SqliteNative.Finalize(statement);
        }
    }
}
