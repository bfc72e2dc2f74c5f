using System.Text;

namespace Pytrace.Dumper;

/// <summary>
/// Processes started with this session in their environment that have no ring yet: a Python child still starting
/// up (its ring appears when pytrace's bootstrap runs), or a program that is not Python and never makes one. The
/// run waits for the first kind; a process that makes no ring within <see cref="Grace"/> is taken for the second.
/// </summary>
public sealed class StartingProcesses(string session)
{
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    private readonly byte[] _marker = Encoding.UTF8.GetBytes("PYTRACE_SESSION=" + session + "\0");
    private readonly Dictionary<int, DateTime> _firstSeen = [];

    /// <summary>True while some process of the session may still create a ring; <paramref name="hasRing"/> knows the pids that did.</summary>
    public bool Any(Func<int, bool> hasRing)
    {
        var now = DateTime.UtcNow;
        bool waiting = false;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || hasRing(pid) || !InSession(pid, hasRing)) continue;
            if (!RunDumper.IsAlive(pid)) continue;
            if (!_firstSeen.TryGetValue(pid, out var first)) _firstSeen[pid] = first = now;
            if (now - first < Grace) waiting = true;
        }
        return waiting;
    }

    private bool InSession(int pid, Func<int, bool> hasRing)
    {
        byte[]? environment = EnvironmentOf(pid);
        if (environment is null) return false; // gone, or another user's
        if (environment.Length > 0) return HasMarker(environment);
        // Empty while the process is inside execve (measured: most children of subprocess.Popen, just after it
        // returns), and for kernel threads: a process being exec'd by one of the session is taken for the session's.
        int parent = ParentOf(pid);
        return parent > 0 && (hasRing(parent) || EnvironmentOf(parent) is { } p && HasMarker(p));
    }

    private bool HasMarker(ReadOnlySpan<byte> environment) =>
        environment.IndexOf(_marker) >= 0 || environment.EndsWith(_marker.AsSpan(0, _marker.Length - 1));

    private static byte[]? EnvironmentOf(int pid)
    {
        try
        {
            return File.ReadAllBytes($"/proc/{pid}/environ");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static int ParentOf(int pid)
    {
        try
        {
            // The field after the state, which follows the command name's last ')' (the name may hold any character).
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat.AsSpan(stat.LastIndexOf(')') + 1).Trim();
            fields = fields[(fields.IndexOf(' ') + 1)..];
            return int.TryParse(fields[..fields.IndexOf(' ')], out int parent) ? parent : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException)
        {
            return 0;
        }
    }
}
