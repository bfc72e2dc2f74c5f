using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Pytrace.Reader.Commands;

/// <summary>
/// Console.Out flushes on every line and silently swallows EPIPE, so `pytrace query ... | head` would format
/// every remaining row of a 10M-call database into a closed pipe. When stdout is the process's redirected
/// console, rows go through a buffered writer on fd 1 instead, whose writes fail once the reader has gone.
/// </summary>
public sealed class StandardOutput : IDisposable
{
    private const int BrokenPipe = 32;   // EPIPE, as IOException.HResult reports it on Linux and macOS
    private readonly StreamWriter? _own;

    public TextWriter Writer { get; }

    public StandardOutput(TextWriter stdout)
    {
        if (ReferenceEquals(stdout, Console.Out) && Console.IsOutputRedirected)
            _own = new StreamWriter(new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, 1), new UTF8Encoding(false), 1 << 16);
        Writer = _own ?? stdout;
    }

    public static bool IsBrokenPipe(IOException e) => e.HResult == BrokenPipe;

    public void Dispose()
    {
        try
        {
            _own?.Dispose();
        }
        catch (IOException e) when (IsBrokenPipe(e))
        {
            // The reader of the pipe has gone; nothing is left to tell it.
        }
    }
}
