using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Pytrace.Reader.Commands;

/// <summary>
/// Console.Out flushes on every line and silently swallows EPIPE, so `pytrace query ... | head` would format
/// every remaining row of a 10M-call database into a closed pipe. When stdout is the process's redirected
/// console, rows go through a buffered writer instead; on a pipe it writes fd 1 directly, so a write fails once
/// the reader of the pipe has gone.
/// </summary>
public sealed class StandardOutput : IDisposable
{
    private const int BrokenPipe = 32;   // EPIPE, as IOException.HResult reports it on Linux and macOS
    private readonly StreamWriter? _own;

    public TextWriter Writer { get; }

    public StandardOutput(TextWriter stdout)
    {
        if (ReferenceEquals(stdout, Console.Out) && Console.IsOutputRedirected)
            _own = new StreamWriter(Open(), new UTF8Encoding(false), 1 << 16);
        Writer = _own ?? stdout;
    }

    // A FileStream writes a regular file at its own offset, which would overwrite what stderr or an earlier
    // command wrote to the same file (`> log 2>&1`, `>>`); files therefore keep the console stream.
    private static Stream Open()
    {
        var fd = new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, 1);
        if (!fd.CanSeek)
            return fd;
        fd.Dispose();
        return Console.OpenStandardOutput();
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
