using System.Runtime.CompilerServices;
using Pytrace.Records;
using Pytrace.Ring;
using Pytrace.Storage;

namespace Pytrace.Dumper;

/// <summary>
/// Decodes one process's ring records into call rows. Depth carried by every record lets it re-synchronise
/// its per-thread stacks after a gap of dropped records. While <see cref="Skimming"/>, calls are followed but
/// not written: they are older than the newest --max-traces and would only be deleted again.
/// </summary>
internal sealed class ProcessStream : IRecordSink
{
    private readonly TraceWriter db;
    private readonly RowQueue rows;
    private readonly double ticksPerSecond;
    private readonly Dictionary<uint, long> _codes = [];
    private readonly Dictionary<uint, long> _types = [];
    private readonly Dictionary<long, List<OpenCall>> _stacks = [];
    private List<OpenCall> _stack = [];
    private long _tid, _thread;
    private long _ticks0, _ns0;
    private double _nsPerTick = 1;
    private long _droppedReported;
    private long _unknownType;

    public int Pid { get; private set; }
    public string? PythonVersion { get; private set; }
    /// <summary>Calls recorded, written or skimmed.</summary>
    public long Calls { get; private set; }
    /// <summary>Calls followed without being written, because newer ones fill the window.</summary>
    public long Skimmed { get; private set; }
    public bool Skimming { get; set; }
    public long Dropped => _droppedReported;
    public bool Ended { get; private set; }
    public long LastNs { get; private set; }
    /// <summary>Internal errors the generator reported (at most one per process), for pytrace to print.</summary>
    public List<string> Errors { get; } = [];

    public ProcessStream(TraceWriter db, RowQueue rows, double ticksPerSecond)
    {
        this.db = db;
        this.rows = rows;
        this.ticksPerSecond = ticksPerSecond;
        rows.Register(this);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void OnRecord(byte kind, ReadOnlySpan<byte> payload)
    {
        var r = new RecordDecoder(payload);
        switch ((RecordKind)kind)
        {
            case RecordKind.ProcessStart: ProcessStart(ref r); break;
            case RecordKind.CodeDef: CodeDef(ref r); break;
            case RecordKind.TypeDef: _types[r.U32()] = db.String(r.String()); break;
            case RecordKind.Thread: Thread(ref r); break;
            case RecordKind.Call: Call(ref r, Schema.CallKind.Call); break;
            case RecordKind.Resume: Call(ref r, Schema.CallKind.Resume); break;
            case RecordKind.Return: End(ref r, Schema.EndKind.Return); break;
            case RecordKind.Yield: End(ref r, Schema.EndKind.Yield); break;
            case RecordKind.Exception: End(ref r, Schema.EndKind.Exception); break;
            case RecordKind.Log: Log(ref r); break;
            case RecordKind.Drop: Drop(ref r); break;
            case RecordKind.HookGap: Gap(ref r); break;
            case RecordKind.InternalError: Error(ref r); break;
            case RecordKind.Notice: r.U64(); Errors.Add($"process {Pid}: {r.String()}"); break;
            case RecordKind.ProcessEnd: Ended = true; LastNs = ToNs(r.U64()); db.EndProcess(Pid, LastNs, _droppedReported); break;
        }
    }

    private void ProcessStart(ref RecordDecoder r)
    {
        Pid = r.I32();
        int ppid = r.I32();
        _ticks0 = (long)r.U64();
        _ns0 = r.I64();
        bool tsc = r.U8() == 1;
        _nsPerTick = tsc ? 1e9 / ticksPerSecond : 1;
        PythonVersion = r.String();
        db.Process(Pid, ppid, _ns0);
    }

    private void CodeDef(ref RecordDecoder r)
    {
        uint id = r.U32();
        int line = r.I32();
        r.U16(); // flags
        int argCount = r.U16();
        string module = r.String(), name = r.String(), file = r.String();
        var argNames = new string[argCount];
        for (int i = 0; i < argCount; i++) argNames[i] = r.String();
        _codes[id] = db.Function(module, name, file, line, argNames);
    }

    private void Thread(ref RecordDecoder r)
    {
        _tid = (long)r.U64();
        string name = r.String();
        if (!_stacks.TryGetValue(_tid, out var stack)) _stacks[_tid] = stack = [];
        _thread = db.Thread(Pid, _tid, name);
        _stack = stack;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Call(ref RecordDecoder r, int kind)
    {
        long ns = ToNs(r.U64());
        uint code = r.U32();
        int depth = r.U16();
        if (!_codes.TryGetValue(code, out long function)) return;
        Resync(depth);
        Calls++;
        LastNs = ns;
        if (Skimming)
        {
            Skimmed++;
            _stack.Add(OpenCall.Missing); // its children know their depth; their parent is not in the file
            return;
        }
        var parent = depth > 0 ? _stack[depth - 1] : OpenCall.Missing;
        int slot = rows.Add(parent, _thread, depth, ns, function, kind);
        if (kind == Schema.CallKind.Call)
        {
            int count = r.U16();
            for (int i = 0; i < count; i++)
            {
                long type = TypeId(r.U32());
                rows.AddArg(slot, db.Value(type, r.Utf8Bytes()));
            }
        }
        _stack.Add(new OpenCall { Slot = slot, StartNs = ns });
    }

    /// <summary>A pytrace.log() entry: a finished row under the open call, its fields stored as arguments.</summary>
    private void Log(ref RecordDecoder r)
    {
        long ns = ToNs(r.U64());
        int depth = r.U16();
        int line = r.I32();
        string module = r.String(), file = r.String();
        int count = r.U16();
        var names = new string[count];
        var values = new long[count];
        for (int i = 0; i < count; i++)
        {
            names[i] = r.String();
            long type = TypeId(r.U32());
            var text = r.Utf8Bytes();
            if (!Skimming) values[i] = db.Value(type, text);
        }
        Resync(depth);
        LastNs = ns;
        if (Skimming) return;
        var parent = depth > 0 ? _stack[depth - 1] : OpenCall.Missing;
        int slot = rows.Add(parent, _thread, depth, ns, db.Function(module, "log", file, line, names), Schema.CallKind.Log);
        foreach (long value in values) rows.AddArg(slot, value);
        rows.End(new OpenCall { Slot = slot, StartNs = ns }, ns, Schema.EndKind.Return, 0);
    }

    /// <summary>After a flush: the open calls that were pending now have their ids.</summary>
    public void Written(RowQueue queue)
    {
        foreach (var stack in _stacks.Values)
        {
            var entries = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(stack);
            for (int i = 0; i < entries.Length; i++)
            {
                if (entries[i].Slot < 0) continue;
                entries[i].Id = queue.IdOf(entries[i].Slot);
                entries[i].Slot = -1;
            }
        }
    }

    /// <summary>Makes the open-call stack <paramref name="depth"/> deep, as a record at that depth says it is.</summary>
    private void Resync(int depth)
    {
        while (_stack.Count > depth) _stack.RemoveAt(_stack.Count - 1); // their ends were dropped
        while (_stack.Count < depth) _stack.Add(OpenCall.Missing);    // their calls were dropped
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void End(ref RecordDecoder r, int endKind)
    {
        long ns = ToNs(r.U64());
        r.U32(); // code id
        int depth = r.U16();
        uint type = r.U32();
        LastNs = ns;
        while (_stack.Count > depth + 1) _stack.RemoveAt(_stack.Count - 1);
        if (_stack.Count != depth + 1) return;
        var call = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        if (call.Slot < 0 && call.Id == 0) return; // its call was dropped or skimmed
        rows.End(call, ns, endKind, db.Value(TypeId(type), r.Utf8Bytes()));
    }

    private void Drop(ref RecordDecoder r)
    {
        long ns = ToNs(r.U64());
        long count = (long)r.U64();
        _droppedReported += count;
        db.Drop(Pid, ns, count);
    }

    /// <summary>Another profiler held this thread's hook: a gap row; the depth after it re-synchronises the stack.</summary>
    private void Gap(ref RecordDecoder r)
    {
        long start = ToNs(r.U64()), end = ToNs(r.U64());
        Resync(r.U16());
        db.Gap(Pid, _tid, start, end);
        LastNs = end;
    }

    private void Error(ref RecordDecoder r)
    {
        long ns = ToNs(r.U64());
        string message = r.String();
        db.Error(Pid, ns, message);
        Errors.Add($"internal error in process {Pid}: {message} (that event was not recorded; the program went on)");
    }

    /// <summary>Records dropped after the producer's last Drop record (it died or ended while the ring was full).</summary>
    public void ReconcileDrops(ulong droppedInHeader)
    {
        long missing = (long)droppedInHeader - _droppedReported;
        if (missing <= 0) return;
        _droppedReported += missing;
        db.Drop(Pid, LastNs, missing);
    }

    public void Close(long endNs) => db.EndProcess(Pid, Ended ? LastNs : endNs, _droppedReported);

    /// <summary>A type the ring never defined (it cannot happen but for a damaged ring) is stored as '?'.</summary>
    private long TypeId(uint local)
    {
        if (local != 0 && _types.TryGetValue(local, out long id)) return id;
        if (_unknownType == 0) _unknownType = db.String("?");
        return _unknownType;
    }

    private long ToNs(ulong ticks) => _ns0 + (long)(((long)ticks - _ticks0) * _nsPerTick);
}
