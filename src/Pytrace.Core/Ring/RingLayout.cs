namespace Pytrace.Ring;

/// <summary>
/// The shared-memory file of one traced process: a 4 KiB header, then a power-of-two data area.
/// Producer and consumer positions are monotonically growing byte counts on their own cache lines.
/// </summary>
public static class RingLayout
{
    public const ulong Magic = 0x474E495252545950; // "PYTRRING"
    public const uint Version = 5;
    public const int HeaderSize = 4096;

    public const int MagicOffset = 0;
    public const int VersionOffset = 8;
    public const int CapacityOffset = 16;
    public const int PidOffset = 24;
    public const int PpidOffset = 28;
    /// <summary>0 = writing, 1 = the process finished cleanly (its last record is written).</summary>
    public const int StateOffset = 32;
    /// <summary>1 = the producer waits for space instead of dropping (--on-full wait).</summary>
    public const int WaitWhenFullOffset = 36;
    public const int WritePosOffset = 64;
    public const int ReadPosOffset = 128;
    public const int DroppedRecordsOffset = 192;
    /// <summary>CLOCK_MONOTONIC ns of the consumer's last drain; a waiting producer gives up when it is stale.</summary>
    public const int ConsumerHeartbeatOffset = 256;

    public const int StateWriting = 0;
    public const int StateFinished = 1;

    /// <summary>
    /// Records start on 4-byte boundaries (a header's high byte is the kind, the low 24 bits the length): 8 made a
    /// fib call 64 bytes instead of 56, and under load the bytes a consumer pulls over from the producer's core are
    /// what limits it.
    /// </summary>
    public const int Alignment = 4;
    public const int MaxRecordLength = (1 << 24) - 1;
    public const byte PadKind = 0;

    public static int Align(int length) => (length + Alignment - 1) & ~(Alignment - 1);

    public static uint Header(byte kind, int length) => ((uint)kind << 24) | (uint)length;
    public static byte KindOf(uint header) => (byte)(header >> 24);
    public static int LengthOf(uint header) => (int)(header & 0xFFFFFF);

    /// <summary>Rounds a requested size down to a power of two of at least 64 KiB.</summary>
    public static long NormalizeCapacity(long requested)
    {
        long capacity = 64 * 1024;
        while (capacity * 2 <= requested) capacity *= 2;
        return capacity;
    }

    /// <summary>
    /// File name of a ring in /dev/shm: one per traced process of a session. A program that a traced process
    /// exec'd (same pid) writes a new ring, <paramref name="image"/> 1, 2, ...
    /// </summary>
    public static string FileName(string session, int pid, int image = 0) =>
        image == 0 ? $"pytrace-{session}-{pid}" : $"pytrace-{session}-{pid}.{image}";

    /// <summary>The search pattern that finds every ring of a session in its folder.</summary>
    public static string FilePattern(string session) => $"pytrace-{session}-*";

    /// <summary>The pid in a ring's file name, or -1.</summary>
    public static int PidOf(string fileName)
    {
        var name = fileName.AsSpan(fileName.LastIndexOf('-') + 1);
        int dot = name.IndexOf('.');
        return int.TryParse(dot < 0 ? name : name[..dot], System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out int pid) ? pid : -1;
    }
}
