using System.Text;

namespace Pytrace.Dumper;

/// <summary>
/// Processes started with this session in their environment that have no ring yet: a Python child still starting
/// up (its ring appears when pytrace's bootstrap runs), or a program that is not Python and never makes one. The
/// run waits for the first kind; a process that makes no ring within <see cref="Grace"/> is taken for the second.
/// A Python interpreter gets <see cref="PythonGrace"/>: on a loaded machine its start up to the ring has taken over
/// a second (measured during the test suite on 2 cores), and a child not given its time loses all its calls.
/// </summary>
public sealed class StartingProcesses(string session, TimeProvider? clock = null)
{
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan PythonGrace = TimeSpan.FromSeconds(15);

    private readonly byte[] _marker = Encoding.UTF8.GetBytes("PYTRACE_SESSION=" + session + "\0");
    private readonly Dictionary<int, DateTimeOffset> _waitUntil = [];

    /// <summary>True while some process of the session may still create a ring; <paramref name="hasRing"/> knows the pids that did.</summary>
    public bool Any(Func<int, bool> hasRing)
    {
        var now = (clock ?? TimeProvider.System).GetUtcNow();
        bool waiting = false;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || hasRing(pid) || !InSession(pid, hasRing)) continue;
            if (!RunDumper.IsAlive(pid)) continue;
            if (!_waitUntil.TryGetValue(pid, out var until)) _waitUntil[pid] = until = now + (IsPython(pid) ? PythonGrace : Grace);
            if (now < until) waiting = true;
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

    /// <summary>Runs an interpreter named python… (python3.12, a venv's python: the link resolves to the binary).</summary>
    private static bool IsPython(int pid)
    {
        try
        {
            return Path.GetFileName(File.ResolveLinkTarget($"/proc/{pid}/exe", returnFinalTarget: false)?.FullName ?? "")
                .StartsWith("python", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

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
