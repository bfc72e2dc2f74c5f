using System.IO.MemoryMappedFiles;
using Pytrace.Records;
using Pytrace.Ring;

namespace Pytrace.Integration.Tests.Support;

/// <summary>
/// A ring written by the test instead of a traced Python, through the same protocol types the generator uses:
/// to give the real dumper exactly the records a case needs. Times are nanoseconds (the ring says "no TSC").
/// </summary>
public sealed unsafe class SyntheticRing : IDisposable
{
    private readonly long _capacity;
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _map;
    private RingWriter _writer;
    private ulong _ticks = 1_000;

    public SyntheticRing(string folder, string session, int pid, long capacity = 1 << 16)
        : this(Path.Combine(folder, RingLayout.FileName(session, pid)), pid, capacity) { }

    private SyntheticRing(string path, int pid, long capacity)
    {
        _capacity = capacity;
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite))
            stream.SetLength(RingLayout.HeaderSize + _capacity);
        _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.ReadWrite);
        _view = _file.CreateViewAccessor();
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref _map);
        *(ulong*)(_map + RingLayout.CapacityOffset) = (ulong)_capacity;
        *(uint*)(_map + RingLayout.VersionOffset) = RingLayout.Version;
        *(int*)(_map + RingLayout.PidOffset) = pid;
        *(int*)(_map + RingLayout.PpidOffset) = Environment.ProcessId;
        Volatile.Write(ref *(ulong*)(_map + RingLayout.MagicOffset), RingLayout.Magic);
        _writer.Attach(_map);
        ulong start = _ticks;
        Write(RecordKind.ProcessStart, (ref RecordBuilder b) =>
        {
            b.U32((uint)pid);
            b.U32((uint)Environment.ProcessId);
            b.U64(start);
            b.U64((ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000);
            b.U8(0);
            b.Utf8("3.12.1"u8);
            b.Utf8("/usr/bin/python3"u8);
        });
    }

    public delegate void Payload(ref RecordBuilder b);

    public void Write(RecordKind kind, Payload payload)
    {
        byte* buffer = stackalloc byte[4096];
        var b = new RecordBuilder(buffer, 4096, kind);
        payload(ref b);
        Assert.True(_writer.TryWrite(buffer, b.Finish(), _ticks++), "the synthetic ring is full");
    }

    public ulong Ticks => _ticks;

    /// <summary>Lets TICKS pass before the next record, as a program that waits.</summary>
    public void Wait(ulong ticks) => _ticks += ticks;

    /// <summary>Ends the process as the generator does at exit: a ProcessEnd record, then the finished state.</summary>
    public void Finish()
    {
        ulong end = _ticks + 1;
        Write(RecordKind.ProcessEnd, (ref RecordBuilder b) => b.U64(end));
        Volatile.Write(ref *(int*)(_map + RingLayout.StateOffset), RingLayout.StateFinished);
    }

    /// <summary>Publishes a record header no producer writes (length 2), then ends the process: the ring is corrupt there.</summary>
    /// <summary>
    /// Puts a finished ring of PID with a corrupt record under the ring name at once (built aside, then renamed): the
    /// dumper must not see it half made, when its process, dead, and its empty ring would be a finished run.
    /// </summary>
    public static void PlantCorrupt(string folder, string session, int pid)
    {
        string path = Path.Combine(folder, RingLayout.FileName(session, pid)), aside = Path.Combine(folder, $".planting-{pid}");
        using (var ring = new SyntheticRing(aside, pid, 1 << 16)) ring.FinishCorrupt();
        File.Move(aside, path);
    }

    public void FinishCorrupt()
    {
        ulong write = *(ulong*)(_map + RingLayout.WritePosOffset);
        *(uint*)(_map + RingLayout.HeaderSize + (long)(write & (ulong)(_capacity - 1))) = RingLayout.Header((byte)RecordKind.Call, 2);
        Volatile.Write(ref *(ulong*)(_map + RingLayout.WritePosOffset), write + 8);
        Volatile.Write(ref *(int*)(_map + RingLayout.StateOffset), RingLayout.StateFinished);
    }

    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
