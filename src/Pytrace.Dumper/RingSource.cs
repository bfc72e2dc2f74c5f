using Pytrace.Ring;

namespace Pytrace.Dumper;

/// <summary>One traced process's ring, the backlog its records move into, and the stream that decodes them.</summary>
internal sealed class RingSource(string path, RingMapping ring, ProcessStream stream, RecordBacklog backlog)
{
    public string Path => path;
    public RingMapping Ring => ring;
    public ProcessStream Stream => stream;
    public RecordBacklog Backlog => backlog;
    public int Pid { get; } = ring.Reader.Pid;

    /// <summary>Why nothing more can be read from the ring, once it turned out corrupt (set by the drainer).</summary>
    public volatile string? Corrupt;

    /// <summary>Set, under the source's lock, when the decoder lets the ring go: the drainer must not touch it again.</summary>
    public bool Released;
}
