using Pytrace.Storage.Native;

namespace Pytrace.Storage;

/// <summary>
/// Copies the WAL back into the database from a connection and thread of its own, so that the writer never stops
/// for it (a tenth of its time otherwise). PASSIVE: it never waits for the writer or for readers. Often: what the
/// close still has to copy back and sync, while the user waits for the shell, is what the last interval wrote (at
/// 250 ms the close took ~200 ms after a 1M-call run, at 50 ms ~80).
/// </summary>
internal sealed class Checkpointer : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);
    private readonly nint _db;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _stop = new();

    public Checkpointer(string path)
    {
        int rc = SqliteNative.Open(path, out _db, SqliteNative.OPEN_READWRITE | SqliteNative.OPEN_NOMUTEX, 0);
        if (rc != SqliteNative.OK)
        {
            SqliteNative.Close(_db);
            throw new TraceDatabaseException($"cannot open {path}: {SqliteNative.Describe(rc)}");
        }
        _thread = new Thread(Loop) { IsBackground = true, Name = "pytrace-checkpoint" };
        _thread.Start();
    }

    private void Loop()
    {
        // A failure here (the disk is full) only leaves the WAL longer: the writer reports what matters.
        while (!_stop.Wait(Interval)) SqliteNative.Exec(_db, "PRAGMA wal_checkpoint(PASSIVE);", 0, 0, 0);
    }

    public void Dispose()
    {
        _stop.Set();
        _thread.Join();
        SqliteNative.Close(_db);
        _stop.Dispose();
    }
}
