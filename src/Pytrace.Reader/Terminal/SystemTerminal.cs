using System.Runtime.InteropServices;
using System.Text;

namespace Pytrace.Reader.Terminal;

/// <summary>The process's own terminal, through System.Console and ANSI sequences.</summary>
public sealed class SystemTerminal : ITerminal
{
    private readonly Stream _out = Console.OpenStandardOutput();
    private readonly StringBuilder _pending = new();
    private readonly List<PosixSignalRegistration> _signals = [];
    private int _entered;

    public int Width => Size(() => Console.WindowWidth, 80);
    public int Height => Size(() => Console.WindowHeight, 24);
    public bool Color { get; } = string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    /// <summary>True when STDOUT is this process's console and it is a capable terminal.</summary>
    public static bool IsInteractive(TextWriter stdout) =>
        ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected && !Console.IsInputRedirected
        && Environment.GetEnvironmentVariable("TERM") is { Length: > 0 } term && term != "dumb";

    private static int Size(Func<int> read, int fallback)
    {
        try { return Math.Max(read(), 1); }
        catch (IOException) { return fallback; }
    }

    public void Enter()
    {
        if (Interlocked.Exchange(ref _entered, 1) == 1)
            return;
        Console.TreatControlCAsInput = true;
        // Whatever ends the process, the user gets their terminal back.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Leave();
        AppDomain.CurrentDomain.UnhandledException += (_, _) => Leave();
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGQUIT })
            _signals.Add(PosixSignalRegistration.Create(signal, _ => Leave()));
        Write("\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J");
        Flush();
    }

    public void Leave()
    {
        if (Interlocked.Exchange(ref _entered, 0) == 0)
            return;
        _pending.Clear();
        Write("\x1b[0m\x1b[?25h\x1b[?1049l");
        Flush();
        Console.TreatControlCAsInput = false;
        foreach (var registration in _signals)
            registration.Dispose();
        _signals.Clear();
    }

    public void Write(string text) => _pending.Append(text);

    public void Flush()
    {
        var bytes = Encoding.UTF8.GetBytes(_pending.ToString());
        _pending.Clear();
        _out.Write(bytes);
        _out.Flush();
    }

    public ConsoleKeyInfo? PollKey() => Console.KeyAvailable ? Console.ReadKey(intercept: true) : null;

    public ConsoleKeyInfo? ReadKey(int timeoutMs)
    {
        var waited = 0;
        while (!Console.KeyAvailable)
        {
            if (waited >= timeoutMs)
                return null;
            Thread.Sleep(10);
            waited += 10;
        }
        return Console.ReadKey(intercept: true);
    }
}
