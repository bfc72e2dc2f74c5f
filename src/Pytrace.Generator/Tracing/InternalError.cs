using System.Text;
using Pytrace.Records;

namespace Pytrace.Generator.Tracing;

/// <summary>
/// A managed exception caught at an entry from CPython (it must never cross one): the event is counted as lost and
/// the first error of the process is written to the ring (pytrace prints it and stores it), and the program goes on.
/// Only that first report allocates.
/// </summary>
internal static unsafe class InternalError
{
    private const int MaxMessage = 900;
    private static bool s_reported;

    public static void Report(Exception e)
    {
        try
        {
            if (!Tracer.Ring.IsOpen) return;
            ulong ticks = TscClock.Read();
            Tracer.Ring.CountDrop(ticks);
            if (s_reported) return;
            s_reported = true;
            string site = e.StackTrace is { } trace ? " " + trace.TrimStart().Split('\n')[0].Trim() : "";
            byte[] message = Encoding.UTF8.GetBytes($"{e.GetType().Name}: {e.Message}{site}");
            int length = Math.Min(message.Length, MaxMessage);
            byte* buffer = stackalloc byte[MaxMessage + 32];
            var b = new RecordBuilder(buffer, MaxMessage + 32, RecordKind.InternalError);
            b.U64(ticks);
            fixed (byte* m = message) b.Utf8(m, length);
            Tracer.Ring.TryWrite(buffer, b.Finish(), ticks);
        }
        catch
        {
            // Reporting must not throw either: the count above is what is left.
        }
    }

    /// <summary>After fork: the child reports its own first error into its own ring.</summary>
    public static void AfterFork() => s_reported = false;
}
