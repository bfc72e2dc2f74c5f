using Pytrace.Cli.Dumper;
using Pytrace.Cli.Interop;
using Pytrace.Interop;
using Pytrace.Ring;

namespace Pytrace.Cli.Running;

/// <summary>
/// Rings whose dumper is gone (killed, crashed) would hold their shared memory forever: each pytrace run removes the
/// user's own such rings first. A run started by the command names its dumper in the session ("4321x…"): gone when
/// that process is. One started by pytrace.start() ("4321p…") has a dumper of its own elsewhere: gone when its
/// heartbeat in the ring is older than a minute and the process that wrote the ring has ended.
/// </summary>
internal static class StaleRings
{
    private static readonly TimeSpan Silence = TimeSpan.FromMinutes(1);

    public static int Remove(string ringDirectory)
    {
        int removed = 0;
        uint me = FileOwner.Me;
        foreach (var path in Directory.EnumerateFiles(ringDirectory, "pytrace-*"))
        {
            if (FileOwner.OfRegularFile(path) != me || !IsStale(path)) continue;
            File.Delete(path);
            removed++;
        }
        return removed;
    }

    private static bool IsStale(string path)
    {
        string name = Path.GetFileName(path);
        string session = name["pytrace-".Length..name.LastIndexOf('-')];
        int mark = session.IndexOfAny(['x', 'p']);
        if (mark <= 0 || !int.TryParse(session.AsSpan(0, mark), out int pid)) return false;
        if (session[mark] == 'x') return pid != Environment.ProcessId && !RunDumper.IsAlive(pid);
        int producer = RingLayout.PidOf(path);
        return producer > 0 && !RunDumper.IsAlive(producer) && HeartbeatAge(path) > Silence;
    }

    private static TimeSpan HeartbeatAge(string path)
    {
        Span<byte> header = stackalloc byte[RingLayout.ConsumerHeartbeatOffset + 8];
        try
        {
            using var file = File.OpenRead(path);
            if (file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length) return TimeSpan.MaxValue;
        }
        catch (IOException) { return TimeSpan.Zero; }
        long beat = BitConverter.ToInt64(header[RingLayout.ConsumerHeartbeatOffset..]);
        return TimeSpan.FromTicks(Math.Max(0, Libc.Now(Libc.CLOCK_MONOTONIC) - beat) / 100);
    }
}
