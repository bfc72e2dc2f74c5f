using Pytrace.Interop;

namespace Pytrace.Reader.Data;

/// <summary>
/// A file's device and inode: a new run replaces the database by a new file at the same path, which an open
/// connection never sees (it keeps reading the old one).
/// </summary>
public readonly record struct FileIdentity(ulong Device, ulong Inode)
{
    /// <summary>The identity of what PATH names now, or null when nothing is there (between a move and a create).</summary>
    public static FileIdentity? Of(string path) =>
        Libc.DeviceAndInode(path, out ulong device, out ulong inode) ? new FileIdentity(device, inode) : null;
}
