using Pytrace.Cli.Interop;

namespace Pytrace.Cli.Running;

/// <summary>
/// The folder a run's rings live in: pytrace-SESSION, 0700, made fresh by this run inside the shared ring folder
/// (/dev/shm). Another local user can neither read the argument values in it nor plant, swap or link files there.
/// </summary>
internal static class RingFolder
{
    public const string Prefix = "pytrace-";

    /// <summary>Makes the run's folder; null with the reason when it cannot be made fresh.</summary>
    public static string? Create(string ringDirectory, string session, out string? error)
    {
        string path = Path.Combine(ringDirectory, Prefix + session);
        if (FileOwner.CreatePrivateFolder(path)) { error = null; return path; }
        error = $"cannot make a private folder for the rings in '{ringDirectory}' ({path} exists or cannot be created)";
        return null;
    }

    /// <summary>Removes the run's folder once its rings are gone (a ring still in it is a process still recording).</summary>
    public static void Remove(string folder)
    {
        try
        {
            if (FileOwner.IsOwnFolder(folder) && !Directory.EnumerateFileSystemEntries(folder).Any()) Directory.Delete(folder);
        }
        catch (IOException) { }
    }
}
