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
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || hasRing(pid) || !InSession(pid)) continue;
            if (!RunDumper.IsAlive(pid)) continue;
            if (!_firstSeen.TryGetValue(pid, out var first)) _firstSeen[pid] = first = now;
            if (now - first < Grace) waiting = true;
        }
        return waiting;
    }

    private bool InSession(int pid)
    {
        try
        {
            byte[] environment = File.ReadAllBytes($"/proc/{pid}/environ");
            return environment.AsSpan().IndexOf(_marker) >= 0 || environment.AsSpan().EndsWith(_marker.AsSpan(0, _marker.Length - 1));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // gone, or another user's
        }
    }
}
