using Pytrace.Reader.Data;
using Schema = Pytrace.Storage.Schema;

namespace Pytrace.Reader.Export;

/// <summary>
/// Replays calls (in id order, which is start order within a thread) as each thread's stack: every frame is opened
/// at its start and closed at its end, in time order per thread, with the time its children took. Memory holds
/// only the open frames. Logs are not frames; an unfinished call ends at the last moment its thread was seen.
/// </summary>
public sealed class StackWalk(IStackSink sink)
{
    private readonly Dictionary<long, ThreadStack> _threads = [];

    /// <summary>One open frame: the call, when it ends (long.MaxValue while unfinished), and its children's time.</summary>
    public sealed class Frame(CallRow call, long endNs, int node)
    {
        public CallRow Call { get; } = call;
        public long EndNs { get; set; } = endNs;
        public long ChildrenNs { get; set; }
        /// <summary>The sink's own label for this frame (its node in a tree of stacks, say).</summary>
        public int Node { get; } = node;
    }

    private sealed class ThreadStack(long id)
    {
        public readonly long Id = id;
        public readonly List<Frame> Frames = [];
        public long LastNs;
    }

    public void Add(CallRow call)
    {
        if (call.Kind == Schema.CallKind.Log) return;
        if (!_threads.TryGetValue(call.Thread, out var thread))
        {
            _threads[call.Thread] = thread = new ThreadStack(call.Thread);
            sink.ThreadStarted(call);
        }
        CloseUntil(thread, call.StartNs);
        long end = call.EndNs ?? long.MaxValue;
        // A child never outlasts its parent: clamp, so opens and closes stay balanced and in time order.
        if (thread.Frames.Count > 0 && end > thread.Frames[^1].EndNs) end = thread.Frames[^1].EndNs;
        var parent = thread.Frames.Count > 0 ? thread.Frames[^1] : null;
        thread.Frames.Add(new Frame(call, end, sink.Open(call, parent)));
        thread.LastNs = Math.Max(thread.LastNs, Math.Max(call.StartNs, call.EndNs ?? call.StartNs));
    }

    /// <summary>Closes every frame still open (unfinished calls at their thread's last moment).</summary>
    public void Finish()
    {
        foreach (var (_, thread) in _threads)
        {
            CloseUntil(thread, long.MaxValue);
            sink.ThreadEnded(thread.Id, thread.LastNs);
        }
    }

    private void CloseUntil(ThreadStack thread, long ns)
    {
        while (thread.Frames.Count > 0 && (thread.Frames[^1].EndNs <= ns || ns == long.MaxValue))
        {
            var frame = thread.Frames[^1];
            thread.Frames.RemoveAt(thread.Frames.Count - 1);
            if (frame.EndNs == long.MaxValue) frame.EndNs = Math.Max(thread.LastNs, frame.Call.StartNs);
            var parent = thread.Frames.Count > 0 ? thread.Frames[^1] : null;
            if (parent is not null) parent.ChildrenNs += frame.EndNs - frame.Call.StartNs;
            sink.Close(frame, parent);
        }
    }
}

/// <summary>What a <see cref="StackWalk"/> tells: per thread, frames opened and closed in time order.</summary>
public interface IStackSink
{
    void ThreadStarted(CallRow first);

    /// <summary>A frame opens under PARENT (null at the thread's bottom); returns the sink's label for it.</summary>
    int Open(CallRow call, StackWalk.Frame? parent);

    void Close(StackWalk.Frame frame, StackWalk.Frame? parent);

    /// <summary>THREAD (<c>threads.id</c>) has no frame open any more; LASTNS is the last moment it was seen.</summary>
    void ThreadEnded(long thread, long lastNs);
}
