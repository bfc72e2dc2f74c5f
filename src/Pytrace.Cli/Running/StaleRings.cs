using Pytrace.Dumper;
using Pytrace.Cli.Interop;
using Pytrace.Interop;
using Pytrace.Ring;

namespace Pytrace.Cli.Running;

/// <summary>
/// Rings whose dumper is gone (killed, crashed) would hold their shared memory forever: each pytrace run removes the
/// user's own such rings first, in the shared ring folder and in the private folders of runs (never a symlink, never
/// another user's file). A run started by the command names its dumper in the session ("4321x…"): gone when
/// that process is. One started by pytrace.start() ("4321p…") has a dumper of its own elsewhere: gone when its
/// heartbeat in the ring is older than a minute and the process that wrote the ring has ended.
/// </summary>
internal static class StaleRings
{
    private static readonly TimeSpan Silence = TimeSpan.FromMinutes(1);

    /// <summary>Removes stale rings (files, or a run's private folder of them); returns how many rings went.</summary>
    public static int Remove(string ringDirectory)
    {
        int removed = 0;
        foreach (var path in Directory.EnumerateFileSystemEntries(ringDirectory, RingFolder.Prefix + "*"))
        {
            if (FileOwner.IsOwnFile(path) && IsStale(path))
            {
                File.Delete(path);
                removed++;
            }
            else if (FileOwner.IsOwnFolder(path))
            {
                removed += RemoveFromFolder(path);
            }
        }
        return removed;
    }

    /// <summary>A run's private folder: its stale rings go, and the folder with them once it is empty.</summary>
    private static int RemoveFromFolder(string folder)
    {
        int removed = 0;
        try
        {
            foreach (var path in Directory.EnumerateFiles(folder, RingFolder.Prefix + "*"))
            {
                if (!FileOwner.IsOwnFile(path) || !IsStale(path)) continue;
                File.Delete(path);
                removed++;
            }
            if (removed > 0) RingFolder.Remove(folder);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
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
