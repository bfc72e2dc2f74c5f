using System.Runtime.InteropServices;
using Pytrace.Interop;
using Pytrace.Ring;

namespace Pytrace.Generator.Tracing;

/// <summary>Creates this process's ring: a 0600 file in shared memory, mapped with raw mmap (survives fork) and pre-faulted.</summary>
internal static unsafe class RingFile
{
    public static string Directory = "/dev/shm";
    public static string Session = "";
    public static long Capacity = 16L << 20;
    public static bool WaitWhenFull;
    private const int EExist = 17;
    private const long MinCapacity = 1 << 20;
    /// <summary>
    /// Rings of a run made at the asked size; while that many of its processes are alive, a new process gets a quarter
    /// of it. A small pool keeps whole rings, and fifty live processes hold 8 × 16 + 42 × 4 MiB instead of 50 × 16.
    /// </summary>
    private const int WholeRings = 8;

    /// <summary>Set when the last ring made is smaller than asked; the session writes it into the ring.</summary>
    public static string? Notice;

    /// <summary>Maps a fresh ring for the calling process; null with a reason when it cannot.</summary>
    public static byte* Create(out long size, out string? error)
    {
        int pid = Libc.GetPid();
        string path = Path.Combine(Directory, RingLayout.FileName(Session, pid));
        long capacity = RingLayout.NormalizeCapacity(Capacity);
        if (LiveRings() >= WholeRings) capacity = Math.Max(Math.Min(capacity, MinCapacity), capacity / 4);
        size = RingLayout.HeaderSize + capacity;
        int fd = Libc.Open(path, Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL | Libc.O_CLOEXEC, 0x180); // 0600
        for (int image = 1; fd < 0 && Marshal.GetLastPInvokeError() == EExist && image < 1000; image++)
        {
            // This pid's ring exists: the program this process exec'd from wrote it and can no longer finish it.
            if (image == 1) MarkFinished(path);
            path = Path.Combine(Directory, RingLayout.FileName(Session, pid, image));
            fd = Libc.Open(path, Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL | Libc.O_CLOEXEC, 0x180);
        }
        if (fd < 0) { error = $"cannot create {path} (errno {Marshal.GetLastPInvokeError()})"; return null; }
        // The blocks are reserved up front: a ring bigger than the free shared memory would otherwise map fine and
        // kill the program with SIGBUS at its first write past the end (Docker gives /dev/shm 64 MiB).
        long asked = capacity;
        while (Libc.Ftruncate(fd, size) != 0 || Libc.PosixFallocate(fd, 0, size) != 0)
        {
            if (capacity <= MinCapacity)
            {
                Libc.Close(fd);
                Libc.Unlink(path);
                error = $"not enough shared memory in {Directory} for a ring of {MinCapacity >> 20} MiB";
                return null;
            }
            capacity /= 2;
            size = RingLayout.HeaderSize + capacity;
        }
        Notice = capacity < asked
            ? $"only {capacity >> 20} MiB of shared memory free in {Directory}: this process records into a ring of that size instead of {asked >> 20} MiB (fewer calls fit in a burst)"
            : null;
        byte* map = (byte*)Libc.Mmap(null, (nuint)size, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, 0);
        Libc.Close(fd);
        if (map == (byte*)-1) { Libc.Unlink(path); error = $"cannot map {path}"; return null; }
        PreFault(map, size);
        *(ulong*)(map + RingLayout.CapacityOffset) = (ulong)capacity;
        *(uint*)(map + RingLayout.VersionOffset) = RingLayout.Version;
        *(int*)(map + RingLayout.PidOffset) = pid;
        *(int*)(map + RingLayout.PpidOffset) = Libc.GetPpid();
        *(int*)(map + RingLayout.WaitWhenFullOffset) = WaitWhenFull ? 1 : 0;
        *(long*)(map + RingLayout.ConsumerHeartbeatOffset) = Libc.Now(Libc.CLOCK_MONOTONIC);
        Volatile.Write(ref *(ulong*)(map + RingLayout.MagicOffset), RingLayout.Magic);
        error = null;
        return map;
    }

    /// <summary>
    /// Rings of this run whose process is alive. The ring of one that ended is drained and deleted within
    /// milliseconds: counting those made the workers of a second Pool record into quarter rings, and drop.
    /// </summary>
    private static int LiveRings()
    {
        try
        {
            return System.IO.Directory.EnumerateFiles(Directory, RingLayout.FilePattern(Session))
                .Count(path => RingLayout.PidOf(Path.GetFileName(path)) is var pid and > 0 && Libc.ProcessExists(pid));
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>
    /// Faults every page in writable now, in one batch, instead of one fault per fresh page on the hot path
    /// (MAP_POPULATE only read-faults a shared mapping, so each first write would still fault).
    /// </summary>
    private static void PreFault(byte* map, long size)
    {
        if (Libc.Madvise(map, (nuint)size, Libc.MADV_POPULATE_WRITE) == 0) return;
        for (long offset = 0; offset < size; offset += 4096) map[offset] = 0;
    }

    private static void MarkFinished(string path)
    {
        int fd = Libc.Open(path, Libc.O_RDWR | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0); // a ring, never what a link points at
        if (fd < 0) return;
        void* header = Libc.Mmap(null, (nuint)RingLayout.HeaderSize, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, 0);
        Libc.Close(fd);
        if (header == (void*)-1) return;
        MarkFinished((byte*)header);
        Libc.Munmap(header, (nuint)RingLayout.HeaderSize);
    }

    public static void MarkFinished(byte* map) =>
        Volatile.Write(ref *(int*)(map + RingLayout.StateOffset), RingLayout.StateFinished);
}
