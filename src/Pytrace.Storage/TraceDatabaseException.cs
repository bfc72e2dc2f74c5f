using Pytrace.Storage.Native;

namespace Pytrace.Storage;

/// <summary>The traces database could not be opened or written; the message is one line for the user.</summary>
public sealed class TraceDatabaseException(string message, int code = 0) : Exception(message)
{
    /// <summary>SQLite's result code, 0 when the failure is not SQLite's.</summary>
    public int Code { get; } = code;

    /// <summary>The query was stopped by <see cref="ReadConnection.Interrupt"/>.</summary>
    public bool Interrupted => Code == SqliteNative.INTERRUPT;

    internal static void Check(int rc, nint db, string what)
    {
        if (rc is SqliteNative.OK or SqliteNative.DONE or SqliteNative.ROW) return;
        throw new TraceDatabaseException($"{SqliteNative.Message(db)} ({what})", rc);
    }
}
