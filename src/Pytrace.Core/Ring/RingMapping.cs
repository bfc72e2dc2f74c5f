using Pytrace.Interop;

namespace Pytrace.Ring;

/// <summary>The consumer's view of one ring file. The dumper maps it read-write to publish its read position.</summary>
public sealed unsafe class RingMapping : IDisposable
{
    private byte* _map;
    private readonly nuint _size;

    public string Path { get; }
    public RingReader Reader { get; }

    private RingMapping(string path, byte* map, nuint size)
    {
        Path = path;
        _map = map;
        _size = size;
        Reader = new RingReader(map);
    }

    /// <summary>Maps a ring once its producer has initialized it; null while it is still being created.</summary>
    public static RingMapping? TryOpen(string path)
    {
        int fd = Libc.Open(path, Libc.O_RDWR | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
        if (fd < 0) return null;
        try
        {
            long size = new FileInfo(path).Length;
            if (size < RingLayout.HeaderSize + 64 * 1024) return null;
            byte* map = (byte*)Libc.Mmap(null, (nuint)size, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, 0);
            if (map == (byte*)-1) return null;
            bool ready = Volatile.Read(ref *(ulong*)(map + RingLayout.MagicOffset)) == RingLayout.Magic
                && *(ulong*)(map + RingLayout.CapacityOffset) + RingLayout.HeaderSize == (ulong)size;
            if (!ready) { Libc.Munmap(map, (nuint)size); return null; }
            return new RingMapping(path, map, (nuint)size);
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    public void Dispose()
    {
        if (_map == null) return;
        Libc.Munmap(_map, _size);
        _map = null;
    }
}
