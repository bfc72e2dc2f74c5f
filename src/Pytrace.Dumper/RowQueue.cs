using System.Runtime.CompilerServices;
using Pytrace.Storage;

namespace Pytrace.Dumper;

/// <summary>
/// Rows decoded since the last commit, in start order, plus the ends of rows inserted unfinished by an earlier
/// commit. A call that starts and ends between two commits costs one insert; one open across a commit (only the
/// stacks at that moment), an insert and an update. Nothing here allocates per call.
/// </summary>
internal sealed class RowQueue
{
    private PendingCall[] _pending = new PendingCall[4096];
    private long[] _args = new long[16384];
    private int _count, _argCount;
    private readonly List<(long Id, long Duration, int EndKind, long Result)> _updates = [];
    private readonly List<ProcessStream> _streams = [];

    private struct PendingCall
    {
        public CallValues Values;
        /// <summary>The parent's slot while it is pending too, else -1 (Values.Parent then holds its id).</summary>
        public int ParentSlot;
        public int ArgStart, ArgCount;
    }

    public int Count => _count + _updates.Count;

    /// <summary>Streams whose open calls may point into this queue, and learn their ids at a flush.</summary>
    public void Register(ProcessStream stream) => _streams.Add(stream);

    /// <summary>Queues an unfinished row under PARENT; returns its slot. Arguments are added with <see cref="AddArg"/> right after.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Add(in OpenCall parent, long thread, int depth, long startNs, long function, int kind)
    {
        if (_count == _pending.Length) Array.Resize(ref _pending, _count * 2);
        ref var row = ref _pending[_count];
        row.Values = new CallValues
        {
            Parent = parent.Id, Thread = thread, Depth = depth, StartNs = startNs, Duration = -1, Function = function, Kind = kind,
            EndKind = Schema.EndKind.Unfinished,
        };
        row.ParentSlot = parent.Slot;
        row.ArgStart = _argCount;
        row.ArgCount = 0;
        return _count++;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AddArg(int slot, long value)
    {
        if (_argCount == _args.Length) Array.Resize(ref _args, _argCount * 2);
        _args[_argCount++] = value;
        _pending[slot].ArgCount++;
    }

    /// <summary>The end of a call: filled into its pending row, or queued as an update of the row already written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void End(in OpenCall call, long endNs, int endKind, long result)
    {
        if (call.Slot >= 0)
        {
            ref var values = ref _pending[call.Slot].Values;
            values.Duration = endNs - values.StartNs;
            values.EndKind = endKind;
            values.Result = result;
        }
        else if (call.Id > 0)
        {
            _updates.Add((call.Id, endNs - call.StartNs, endKind, result));
        }
    }

    public void Flush(TraceWriter db)
    {
        for (int i = 0; i < _count; i++)
        {
            ref var row = ref _pending[i];
            if (row.ParentSlot >= 0) row.Values.Parent = _pending[row.ParentSlot].Values.Id;
            db.Insert(ref row.Values, _args.AsSpan(row.ArgStart, row.ArgCount));
        }
        foreach (var stream in _streams) stream.Written(this);
        foreach (var (id, duration, endKind, result) in _updates) db.End(id, duration, endKind, result);
        _count = 0;
        _argCount = 0;
        _updates.Clear();
    }

    /// <summary>The id the row in SLOT got at the flush under way.</summary>
    public long IdOf(int slot) => _pending[slot].Values.Id;
}

/// <summary>A call on a thread's stack: pending in the queue (Slot), written (Id), or not in the file (neither: dropped or skimmed).</summary>
internal struct OpenCall
{
    public int Slot;
    public long Id;
    public long StartNs;

    public static readonly OpenCall Missing = new() { Slot = -1 };
}
