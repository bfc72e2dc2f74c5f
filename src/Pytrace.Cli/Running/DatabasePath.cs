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
        if (raw.sqlite3_open_v2(path, out sqlite3 db, raw.SQLITE_OPEN_READONLY, null) != raw.SQLITE_OK) { db.Dispose(); return false; }
        using (db)
        {
            const string Probe = """
                SELECT NOT EXISTS (SELECT 1 FROM sqlite_master)
                    OR ((SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('meta', 'runs', 'calls', 'functions')) = 4
                        AND EXISTS (SELECT 1 FROM meta WHERE key = 'schema_version'))
                """;
            if (raw.sqlite3_prepare_v2(db, Probe, out sqlite3_stmt statement) != raw.SQLITE_OK) { statement.Dispose(); return false; }
            using (statement)
                return raw.sqlite3_step(statement) == raw.SQLITE_ROW && raw.sqlite3_column_int(statement, 0) == 1;
        }
    }
}
