using Pytrace.Interop;

namespace Pytrace.Cli.Running;

/// <summary>
/// pytrace's lines after a run share stderr with the program, which may have left its last line unfinished. They
/// must start on a line of their own without adding an empty line after a program that ended its output properly.
/// </summary>
internal static class FreshLine
{
    private const int StderrFd = 2;

    /// <summary>What to write before pytrace's first line: nothing, a newline, or the terminal's blank-then-return.</summary>
    public static string Before()
    {
        try
        {
            return Console.IsErrorRedirected ? AfterFile() : OnTerminal();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>
    /// The shells' trick (zsh's PROMPT_SP): width-1 spaces then a carriage return. From the first column they fill
    /// the line and the return comes back to its start; from anywhere else they wrap onto a new line first.
    /// </summary>
    private static string OnTerminal()
    {
        int columns = Libc.TerminalColumns(StderrFd);
        return columns < 2 ? "" : new string(' ', columns - 1) + "\r";
    }

    /// <summary>stderr redirected to a file: a newline when its last byte is not one. Pipes cannot be looked back into.</summary>
    private static string AfterFile()
    {
        if (File.ResolveLinkTarget("/proc/self/fd/2", returnFinalTarget: false) is not FileInfo { Exists: true } target) return "";
        if ((File.GetAttributes(target.FullName) & FileAttributes.Device) != 0 || target.Length == 0) return "";
        using var file = new FileStream(target.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        file.Seek(-1, SeekOrigin.End);
        return file.ReadByte() == '\n' ? "" : "\n";
    }
}
