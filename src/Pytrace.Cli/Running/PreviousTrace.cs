namespace Pytrace.Cli.Running;

/// <summary>
/// The trace a new run replaces, set aside (renamed, with its WAL) instead of deleted: a program that never starts
/// (a misspelt module, a script that does not compile) records no call, and then the previous trace is put back.
/// </summary>
internal sealed class PreviousTrace
{
    private static readonly string[] Companions = ["", "-wal"];
    private readonly string _path, _aside;

    private PreviousTrace(string path, string aside)
    {
        _path = path;
        _aside = aside;
    }

    /// <summary>Moves <paramref name="path"/> aside; null when there is none.</summary>
    public static PreviousTrace? SetAside(string path)
    {
        if (!File.Exists(path)) return null;
        string aside = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.previous-{Environment.ProcessId}");
        foreach (var suffix in Companions)
            if (File.Exists(path + suffix)) File.Move(path + suffix, aside + suffix, overwrite: true);
        foreach (var suffix in new[] { "-shm", "-journal" }) File.Delete(path + suffix);
        return new PreviousTrace(path, aside);
    }

    /// <summary>The new run recorded nothing: its file goes, the previous trace comes back.</summary>
    public void Restore()
    {
        foreach (var suffix in new[] { "", "-wal", "-shm", "-journal" }) File.Delete(_path + suffix);
        foreach (var suffix in Companions)
            if (File.Exists(_aside + suffix)) File.Move(_aside + suffix, _path + suffix);
    }

    public void Discard()
    {
        foreach (var suffix in Companions) File.Delete(_aside + suffix);
    }
}
