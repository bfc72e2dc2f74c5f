using System.Runtime.InteropServices;
using System.Text;

namespace Pytrace.Cli.Interop;

/// <summary>Who owns a path, without following a symlink there (lstat), and who we are.</summary>
internal static unsafe partial class FileOwner
{
    private const int StatSize = 144, UidOffset = 28, ModeOffset = 24; // struct stat on x86-64 and aarch64 glibc
    private const uint TypeMask = 0xF000, RegularFile = 0x8000;

    [LibraryImport("libc", EntryPoint = "lstat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Lstat(string path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "getuid")]
    private static partial uint GetUid();

    public static uint Me => GetUid();

    /// <summary>The owner of a regular file (not a symlink, not a folder), or null.</summary>
    public static uint? OfRegularFile(string path)
    {
        byte* buffer = stackalloc byte[StatSize];
        if (Lstat(path, buffer) != 0) return null;
        if ((*(uint*)(buffer + ModeOffset) & TypeMask) != RegularFile) return null;
        return *(uint*)(buffer + UidOffset);
    }
}
