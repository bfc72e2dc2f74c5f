using System.Diagnostics;

namespace Pytrace.Dumper.Tests;

/// <summary>Which live processes the run waits for, on real child processes of the test.</summary>
public class StartingProcessesTests
{
    [Fact]
    public void A_process_with_the_session_in_its_environment_is_waited_for_and_others_are_not()
    {
        string session = Guid.NewGuid().ToString("N");
        using var inSession = Sleeper(("PYTRACE_SESSION", session));
        using var other = Sleeper(("PYTRACE_SESSION", "another"));
        var starting = new StartingProcesses(session);
        Assert.True(starting.Any(pid => pid != inSession.Id));
        Assert.False(starting.Any(pid => pid == inSession.Id));
    }

    [Fact]
    public void A_process_whose_environment_reads_empty_is_the_sessions_when_its_parent_is()
    {
        // A child inside execve reads an empty environment (most children of subprocess.Popen, just after it
        // returns): the run must not take it for a stranger and end without its calls. `env -i` gives a child that
        // reads empty for as long as it lives.
        string session = Guid.NewGuid().ToString("N");
        using var child = Sleeper();
        int parent = Environment.ProcessId;
        Assert.True(new StartingProcesses(session).Any(pid => pid == parent));
        Assert.False(new StartingProcesses(session).Any(pid => false), "a child of a process with no ring and no session is not the session's");
    }

    private static Sleeping Sleeper(params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo("env") { UseShellExecute = false };
        start.ArgumentList.Add("-i");
        foreach (var (name, value) in environment) start.ArgumentList.Add($"{name}={value}");
        start.ArgumentList.Add("sleep");
        start.ArgumentList.Add("30");
        var process = Process.Start(start)!;
        // env has exec'd sleep once /proc shows sleep's command line.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && !File.ReadAllText($"/proc/{process.Id}/cmdline").StartsWith("sleep")) Thread.Sleep(5);
        return new Sleeping(process);
    }

    private sealed class Sleeping(Process process) : IDisposable
    {
        public int Id => process.Id;

        public void Dispose()
        {
            process.Kill();
            process.WaitForExit();
            process.Dispose();
        }
    }
}
