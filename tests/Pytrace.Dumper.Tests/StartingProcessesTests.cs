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

    [Fact]
    public void A_python_interpreter_is_given_longer_to_make_its_ring_than_another_program()
    {
        // On a loaded machine a Python child took over a second to reach its ring; `sleep` never makes one.
        string session = Guid.NewGuid().ToString("N");
        using var python = Sleeper([("PYTRACE_SESSION", session)], Python(), "-c", "import time; time.sleep(30)");
        using var sleep = Sleeper(("PYTRACE_SESSION", session));
        var clock = new SteppedClock();
        var starting = new StartingProcesses(session, clock);
        bool WaitsFor(Sleeping process) => starting.Any(pid => pid != process.Id); // the other one has made its ring
        Assert.True(WaitsFor(python) && WaitsFor(sleep));
        clock.Now += StartingProcesses.Grace;
        Assert.False(WaitsFor(sleep), "a program that is not Python is waited for only the short grace");
        Assert.True(WaitsFor(python), "a Python interpreter is still waited for after the short grace");
        clock.Now += StartingProcesses.PythonGrace;
        Assert.False(WaitsFor(python));
    }

    /// <summary>A python3 binary from PATH (not a launcher script such as pyenv's shim).</summary>
    private static string Python() =>
        Environment.GetEnvironmentVariable("PATH")!.Split(':').Select(folder => Path.Combine(folder, "python3"))
            .FirstOrDefault(IsBinary)
        ?? throw new InvalidOperationException("no python3 binary on PATH");

    private static bool IsBinary(string path)
    {
        if (!File.Exists(path)) return false;
        Span<byte> magic = stackalloc byte[4];
        using var file = File.OpenRead(path);
        return file.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4 && magic.SequenceEqual("\u007fELF"u8);
    }

    private static Sleeping Sleeper(params (string Name, string Value)[] environment) =>
        Sleeper(environment, "sleep", "30");

    private static Sleeping Sleeper((string Name, string Value)[] environment, string program, params string[] args)
    {
        var start = new ProcessStartInfo("env") { UseShellExecute = false };
        start.ArgumentList.Add("-i");
        foreach (var (name, value) in environment) start.ArgumentList.Add($"{name}={value}");
        start.ArgumentList.Add(program);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        var process = Process.Start(start)!;
        // env has exec'd the program once /proc shows its executable (python3 is a link to python3.X).
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && !Executable(process.Id).StartsWith(Path.GetFileName(program))) Thread.Sleep(5);
        return new Sleeping(process);
    }

    private static string Executable(int pid)
    {
        try
        {
            return Path.GetFileName(File.ResolveLinkTarget($"/proc/{pid}/exe", false)?.FullName ?? "");
        }
        catch (IOException)
        {
            return "";
        }
    }

    private sealed class SteppedClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UtcNow;
        public override DateTimeOffset GetUtcNow() => Now;
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
