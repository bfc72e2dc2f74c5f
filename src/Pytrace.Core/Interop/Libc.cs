using System.Runtime.InteropServices;

namespace Pytrace.Interop;

/// <summary>The few libc calls the ring needs. Raw mmap (not MemoryMappedFile) because its views survive fork.</summary>
public static unsafe partial class Libc
{
    public const int O_RDWR = 2, O_CREAT = 0x40, O_EXCL = 0x80, O_NOFOLLOW = 0x20000, O_CLOEXEC = 0x80000;
    public const int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
    public const int MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20, MAP_POPULATE = 0x8000;
    public const int CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1;
    public const int ESRCH = 3, EPERM = 1;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    public static partial int Open(byte* path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    public static partial int Ftruncate(int fd, long length);

    /// <summary>Reserves the file's blocks now: 0, or an errno (ENOSPC when shared memory is too small).</summary>
    [LibraryImport("libc", EntryPoint = "posix_fallocate")]
    public static partial int PosixFallocate(int fd, long offset, long length);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    public static partial void* Mmap(void* addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "mprotect")]
    public static partial int Mprotect(void* addr, nuint length, int prot);

    public const int MADV_DONTNEED = 4, MADV_POPULATE_WRITE = 23;

    [LibraryImport("libc", EntryPoint = "madvise")]
    public static partial int Madvise(void* addr, nuint length, int advice);

    [LibraryImport("libc", EntryPoint = "munmap")]
    public static partial int Munmap(void* addr, nuint length);

    [LibraryImport("libc", EntryPoint = "unlink", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Unlink(string path);

    [LibraryImport("libc", EntryPoint = "getpid")]
    public static partial int GetPid();

    [LibraryImport("libc", EntryPoint = "getppid")]
    public static partial int GetPpid();

    [LibraryImport("libc", EntryPoint = "gettid")]
    public static partial int GetTid();

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int sig);

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    public static partial int ClockGettime(int clock, TimeSpec* ts);

    [LibraryImport("libc", EntryPoint = "access", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Access(string path, int mode);

    [LibraryImport("libc", EntryPoint = "pthread_self")]
    private static partial nuint PthreadSelf();

    [LibraryImport("libc", EntryPoint = "pthread_getattr_np")]
    private static partial int PthreadGetattrNp(nuint thread, byte* attributes);

    [LibraryImport("libc", EntryPoint = "pthread_attr_getstack")]
    private static partial int PthreadAttrGetstack(byte* attributes, nuint* low, nuint* size);

    [LibraryImport("libc", EntryPoint = "pthread_attr_destroy")]
    private static partial int PthreadAttrDestroy(byte* attributes);

    /// <summary>The calling thread's stack: its lowest address and size; false when the system does not say.</summary>
    public static bool CurrentStack(out nuint low, out nuint size)
    {
        byte* attributes = stackalloc byte[128]; // pthread_attr_t is 56 bytes on x86-64 glibc
        nuint l = 0, s = 0;
        bool known = PthreadGetattrNp(PthreadSelf(), attributes) == 0;
        if (known)
        {
            known = PthreadAttrGetstack(attributes, &l, &s) == 0 && s > 0;
            PthreadAttrDestroy(attributes);
        }
        low = l;
        size = s;
        return known;
    }

    [LibraryImport("libc", EntryPoint = "sched_yield")]
    public static partial int SchedYield();

    [LibraryImport("libc", EntryPoint = "ioctl")]
    private static partial int IoctlWinSize(int fd, nuint request, ushort* size);

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, byte* buffer);

    /// <summary>The width of the terminal on FD (TIOCGWINSZ), or 0 when FD is no terminal.</summary>
    public static int TerminalColumns(int fd)
    {
        ushort* size = stackalloc ushort[4]; // rows, columns, pixel width, pixel height
        return IoctlWinSize(fd, 0x5413, size) == 0 ? size[1] : 0;
    }

    /// <summary>The device and inode PATH names now; false when nothing is there.</summary>
    public static bool DeviceAndInode(string path, out ulong device, out ulong inode)
    {
        byte* buffer = stackalloc byte[256]; // struct stat on linux-x64: st_dev at 0, st_ino at 8
        bool found = Stat(path, buffer) == 0;
        device = found ? *(ulong*)buffer : 0;
        inode = found ? *(ulong*)(buffer + 8) : 0;
        return found;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    public static long Now(int clock)
    {
        TimeSpec ts;
        ClockGettime(clock, &ts);
        return ts.Seconds * 1_000_000_000L + ts.Nanoseconds;
    }

    /// <summary>True while a process with this pid exists (EPERM still means it exists).</summary>
    public static bool ProcessExists(int pid)
    {
        if (Kill(pid, 0) == 0) return true;
        return Marshal.GetLastPInvokeError() == EPERM;
    }
}
