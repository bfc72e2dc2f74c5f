using System.Runtime.InteropServices;

namespace Pytrace.Cli.Running;

/// <summary>
/// pytrace's lines after a run share stderr with the program, which may have left its last line unfinished. They
/// must start on a line of their own without adding an empty line after a program that ended its output properly.
/// </summary>
internal static unsafe partial class FreshLine
{
    private const int StderrFd = 2, TiocGWinSz = 0x5413;

    [LibraryImport("libc", EntryPoint = "isatty")]
    private static partial int IsATty(int fd);

    [LibraryImport("libc", EntryPoint = "ioctl")]
    private static partial int IoctlWinSize(int fd, nuint request, ushort* size);

    /// <summary>What to write before pytrace's first line: nothing, a newline, or the terminal's blank-then-return.</summary>
    public static string Before()
    {
        try
        {
            return IsATty(StderrFd) == 1 ? OnTerminal() : AfterFile();
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
        ushort* size = stackalloc ushort[4];
        if (IoctlWinSize(StderrFd, TiocGWinSz, size) != 0 || size[1] < 2) return "";
        return new string(' ', size[1] - 1) + "\r";
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
