using System.Diagnostics;

namespace Pytrace.Reader.Tests.Support;

/// <summary>A detached tmux session running a command in a real pseudo-terminal; keys in, screen text out.</summary>
public sealed class Tmux : IDisposable
{
    private readonly string _name = "pytrace-test-" + Guid.NewGuid().ToString("N")[..8];

    public static bool Available => Run("-V").Code == 0;

    public Tmux(string command, int width = 120, int height = 30)
    {
        var (code, output) = Run("new-session", "-d", "-s", _name, "-x", width.ToString(), "-y", height.ToString(), command);
        Assert.True(code == 0, "tmux new-session failed: " + output);
    }

    private static (int Code, string Output) Run(params string[] args)
    {
        var start = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }

    /// <summary>Sends tmux key names (Enter, Escape, C-c) or, with LITERAL, text as typed.</summary>
    public void Keys(string keys, bool literal = false)
    {
        var (code, output) = literal ? Run("send-keys", "-t", _name, "-l", keys) : Run("send-keys", "-t", _name, keys);
        Assert.True(code == 0, "tmux send-keys failed: " + output);
    }

    public string Screen() => Run("capture-pane", "-p", "-t", _name).Output;

    public void Resize(int width, int height) => Run("resize-window", "-t", _name, "-x", width.ToString(), "-y", height.ToString());

    /// <summary>Polls the screen until it contains TEXT; fails with the last screen after TIMEOUT.</summary>
    public string WaitFor(string text, int timeoutMs = 15_000)
    {
        var watch = Stopwatch.StartNew();
        var screen = "";
        while (watch.ElapsedMilliseconds < timeoutMs)
        {
            screen = Screen();
            if (screen.Contains(text))
                return screen;
            Thread.Sleep(30);
        }
        Assert.Fail($"the screen did not show \"{text}\" within {timeoutMs} ms; it shows:\n{screen}");
        return screen;
    }

    public void Dispose() => Run("kill-session", "-t", _name);
}
