using Pytrace.Interop;

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
        bool writable = File.Exists(db) ? Libc.Access(db, 2) == 0 : Libc.Access(dir, 2) == 0;
        return writable ? null : $"cannot write the database '{asGiven}': permission denied";
    }
}
