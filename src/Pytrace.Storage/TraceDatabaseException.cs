using Pytrace.Storage.Native;

namespace Pytrace.Storage;

/// <summary>The traces database could not be opened or written; the message is one line for the user.</summary>
public sealed class TraceDatabaseException(string message) : Exception(message)
{
    internal static void Check(int rc, nint db, string what)
    {
        if (rc is SqliteNative.OK or SqliteNative.DONE or SqliteNative.ROW) return;
        throw new TraceDatabaseException($"{SqliteNative.Message(db)} ({what})");
    }
}
