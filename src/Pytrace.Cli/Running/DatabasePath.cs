using Pytrace.Interop;
using Pytrace.Storage;

namespace Pytrace.Cli.Running;

/// <summary>Checks, before anything runs, that the database can be written where the user asked.</summary>
internal static class DatabasePath
{
    /// <summary>The reason <paramref name="db"/> cannot be written, as an error line, or null.</summary>
    public static string? Problem(string db, string asGiven)
    {
        string? dir = Path.GetDirectoryName(db);
        if (dir is null || !Directory.Exists(dir)) return $"cannot write the database '{asGiven}': its folder does not exist";
        if (Directory.Exists(db)) return $"cannot write the database '{asGiven}': it is a folder";
        bool exists = File.Exists(db);
        bool writable = exists ? Libc.Access(db, 2) == 0 : Libc.Access(dir, 2) == 0;
        if (!writable) return $"cannot write the database '{asGiven}': permission denied";
        if (exists && !TraceFile.IsOurs(db))
            return $"'{asGiven}' exists and is not a pytrace database; pytrace replaces or appends to its own traces only (choose another --db)";
        return null;
    }
}
