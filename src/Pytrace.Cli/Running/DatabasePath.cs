using Pytrace.Interop;
using SQLitePCL;

namespace Pytrace.Cli.Running;

/// <summary>Checks, before anything runs, that the database can be written where the user asked.</summary>
internal static class DatabasePath
{
    private static ReadOnlySpan<byte> SqliteHeader => "SQLite format 3\0"u8;

    /// <summary>The reason <paramref name="db"/> cannot be written, as an error line, or null.</summary>
    public static string? Problem(string db, string asGiven)
    {
        string? dir = Path.GetDirectoryName(db);
        if (dir is null || !Directory.Exists(dir)) return $"cannot write the database '{asGiven}': its folder does not exist";
        if (Directory.Exists(db)) return $"cannot write the database '{asGiven}': it is a folder";
        bool exists = File.Exists(db);
        bool writable = exists ? Libc.Access(db, 2) == 0 : Libc.Access(dir, 2) == 0;
        if (!writable) return $"cannot write the database '{asGiven}': permission denied";
        if (exists && !IsTraceDatabase(db))
            return $"'{asGiven}' exists and is not a pytrace database; pytrace replaces or appends to its own traces only (choose another --db)";
        return null;
    }

    /// <summary>
    /// A SQLite file with pytrace's tables and a schema version: any other file is someone else's, and left untouched.
    /// An empty file, or a SQLite file with nothing in it, holds nothing to lose (another run may be creating it).
    /// </summary>
    private static bool IsTraceDatabase(string path)
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
        Batteries_V2.Init();
        // Another run may be creating this very file (holding its lock, or its WAL not yet readable): a question SQLite
        // cannot answer now is asked again, for a few seconds, before the file counts as foreign.
        for (int attempt = 0; ; attempt++)
        {
            int rc = Probe(path, out bool ours);
            if (rc == raw.SQLITE_OK) return ours;
            if (rc is not (raw.SQLITE_BUSY or raw.SQLITE_LOCKED or raw.SQLITE_CANTOPEN) || attempt >= 300) return false;
            Thread.Sleep(10);
        }
    }

    /// <summary>SQLITE_OK and the answer, or the SQLite error that kept the file from answering.</summary>
    private static int Probe(string path, out bool ours)
    {
        ours = false;
        int rc = raw.sqlite3_open_v2(path, out sqlite3 db, raw.SQLITE_OPEN_READONLY, null);
        using (db)
        {
            if (rc != raw.SQLITE_OK) return rc;
            raw.sqlite3_busy_timeout(db, 3000);
            // Nothing in it yet (a run creating it writes the whole schema in one transaction), or pytrace's tables.
            rc = Count(db, "SELECT count(*) FROM sqlite_master", out long entries);
            if (rc != raw.SQLITE_OK || entries == 0) { ours = rc == raw.SQLITE_OK; return rc; }
            rc = Count(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('meta', 'runs', 'calls', 'functions')", out long tables);
            if (rc != raw.SQLITE_OK || tables != 4) return rc;
            rc = Count(db, "SELECT count(*) FROM meta WHERE key = 'schema_version'", out long versions);
            ours = versions == 1;
            return rc;
        }
    }

    private static int Count(sqlite3 db, string sql, out long count)
    {
        count = 0;
        int rc = raw.sqlite3_prepare_v2(db, sql, out sqlite3_stmt statement);
        using (statement)
        {
            if (rc != raw.SQLITE_OK) return rc;
            rc = raw.sqlite3_step(statement);
            if (rc != raw.SQLITE_ROW) return rc;
            count = raw.sqlite3_column_int64(statement, 0);
            return raw.SQLITE_OK;
        }
    }
}
