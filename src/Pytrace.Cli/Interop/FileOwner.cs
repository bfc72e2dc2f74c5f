using System.Runtime.InteropServices;

namespace Pytrace.Cli.Interop;

/// <summary>What a path is and who owns it, without following a symlink there (lstat); who we are; a private folder.</summary>
internal static unsafe partial class FileOwner
{
    private const int StatSize = 144, UidOffset = 28, ModeOffset = 24; // struct stat on x86-64 glibc
    public const uint TypeMask = 0xF000, RegularFile = 0x8000, Folder = 0x4000;
    private const int OwnerOnly = 0x1C0; // 0700

    [LibraryImport("libc", EntryPoint = "lstat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Lstat(string path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "mkdir", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int MakeFolder(string path, int mode);

    [LibraryImport("libc", EntryPoint = "getuid")]
    private static partial uint GetUid();

    public static uint Me => GetUid();

    /// <summary>Owner and mode (type and permission bits) of the path itself, or null when it does not exist.</summary>
    public static (uint Owner, uint Mode)? Of(string path)
    {
        byte* buffer = stackalloc byte[StatSize];
        if (Lstat(path, buffer) != 0) return null;
        return (*(uint*)(buffer + UidOffset), *(uint*)(buffer + ModeOffset));
    }

    /// <summary>Whether the path is a regular file (not a symlink) of ours.</summary>
    public static bool IsOwnFile(string path) => Of(path) is var (owner, mode) && owner == Me && (mode & TypeMask) == RegularFile;

    /// <summary>Whether the path is a folder (not a symlink) of ours.</summary>
    public static bool IsOwnFolder(string path) => Of(path) is var (owner, mode) && owner == Me && (mode & TypeMask) == Folder;

    /// <summary>Creates a folder only we can enter; false when the name exists already (whoever made it) or mkdir fails.</summary>
    public static bool CreatePrivateFolder(string path) =>
        MakeFolder(path, OwnerOnly) == 0 && Of(path) is var (owner, mode) && owner == Me && (mode & 0xF1FF) == (Folder | OwnerOnly);
}
