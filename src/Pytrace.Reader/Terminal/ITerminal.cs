namespace Pytrace.Reader.Terminal;

/// <summary>The console seam: the real terminal in production, a screen buffer in tests.</summary>
public interface ITerminal
{
    int Width { get; }
    int Height { get; }

    /// <summary>False for NO_COLOR: attributes like reverse video stay, colours go.</summary>
    bool Color { get; }

    /// <summary>Switches to the full-screen mode (alternate screen, hidden cursor, raw keys).</summary>
    void Enter();

    /// <summary>Restores the terminal; safe to call twice and from any exit path.</summary>
    void Leave();

    void Write(string text);

    void Flush();

    /// <summary>The next key, or null when none came within TIMEOUTMS.</summary>
    ConsoleKeyInfo? ReadKey(int timeoutMs);

    /// <summary>A key typed while the reader is busy, or null at once: polled from another thread during a long query.</summary>
    ConsoleKeyInfo? PollKey() => null;
}
