using System.Runtime.InteropServices;

namespace Pytrace.Reader.Data;

/// <summary>
/// A file's device and inode: a new run replaces the database by a new file at the same path, which an open
/// connection never sees (it keeps reading the old one).
/// </summary>
public readonly partial record struct FileIdentity(ulong Device, ulong Inode)
{
    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, [Out] byte[] buffer);

    /// <summary>The identity of what PATH names now, or null when nothing is there (between a move and a create).</summary>
    public static FileIdentity? Of(string path)
    {
        var buffer = new byte[256]; // struct stat on linux-x64: st_dev at 0, st_ino at 8
        if (Stat(path, buffer) != 0)
            return null;
        return new FileIdentity(BitConverter.ToUInt64(buffer, 0), BitConverter.ToUInt64(buffer, 8));
    }
}
