namespace Pytrace.Cli.Running;

/// <summary>
/// The trace a new run replaces, set aside (renamed, with its WAL) instead of deleted: a program that never starts
/// (a misspelt module, a script that does not compile) records no call, and then the previous trace is put back.
/// Once the run has committed calls the previous trace can only go, and it goes on a thread of its own: deleting tens
/// of megabytes took 50-85 ms here (ext4 mounted with discard), time the program's end would otherwise wait for.
/// </summary>
internal sealed class PreviousTrace
{
    private static readonly string[] Companions = ["", "-wal"];
    private readonly string _path, _aside;
    private Thread? _discarding;

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

    /// <summary>False once the run committed calls: the previous trace is gone, or going.</summary>
    public bool Restorable => _discarding is null;

    /// <summary>The new run recorded nothing: its file goes, the previous trace comes back.</summary>
    public void Restore()
    {
        if (_discarding is not null) throw new InvalidOperationException("the previous trace is being deleted");
        foreach (var suffix in new[] { "", "-wal", "-shm", "-journal" }) File.Delete(_path + suffix);
        foreach (var suffix in Companions)
            if (File.Exists(_aside + suffix)) File.Move(_aside + suffix, _path + suffix);
    }

    /// <summary>Starts deleting the previous trace, once; <see cref="Discard"/> waits for it.</summary>
    public void DiscardInBackground()
    {
        if (_discarding is not null) return;
        _discarding = new Thread(Delete) { IsBackground = true, Name = "pytrace-discard" };
        _discarding.Start();
    }

    public void Discard()
    {
        DiscardInBackground();
        _discarding!.Join();
    }

    private void Delete()
    {
        foreach (var suffix in Companions)
        {
            try
            {
                File.Delete(_aside + suffix);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left behind under its hidden name: the new trace is what matters, and this thread must not take the process down.
            }
        }
    }
}
