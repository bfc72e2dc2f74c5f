using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Pytrace.Records;
using Pytrace.Ring;
using Pytrace.Storage;

namespace Pytrace.Dumper;

/// <summary>
/// Decodes one process's ring records into rows of the current batch. Depth carried by every record lets it
/// re-synchronise its per-thread stacks after a gap of dropped records. While <see cref="Skimming"/>, calls are
/// followed but not written: they are older than the newest --max-traces and would only be deleted again.
/// </summary>
internal sealed class ProcessStream(Interner names, IdSupply callIds, Action throwIfWriterFailed, double ticksPerSecond) : IRecordSink
{
    private readonly Dictionary<uint, long> _codes = [];
    private readonly HashSet<uint> _classBodies = [];
    private readonly HashSet<uint> _native = [];
    private readonly Dictionary<uint, long> _types = [];
    /// <summary>"&lt;module.QualName object at 0x" per type id, for the objects that cross the ring as type and address.</summary>
    private readonly Dictionary<uint, byte[]> _opaquePrefixes = [];
    private readonly long[] _kept = new long[KeptValues.Slots];
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
    /// <summary>
    /// While set, calls and their ends are only counted, not decoded; definitions, threads and drops still are. Calls
    /// left open before are forgotten: being older than the skimmed ones, they are trimmed anyway.
    /// </summary>
    public bool Skimming
    {
        get => _skimming;
        set
        {
            if (value && !_skimming)
                foreach (var stack in _stacks.Values)
                    CollectionsMarshal.AsSpan(stack).Fill(OpenCall.Missing);
            _skimming = value;
        }
    }

    private bool _skimming;
    public long Dropped => _droppedReported;
    public bool Ended { get; private set; }
    public long LastNs { get; private set; }
    /// <summary>Internal errors the generator reported (at most one per process), for pytrace to print.</summary>
    public List<string> Errors { get; } = [];

    private WriteBatch Batch => names.Batch;

    /// <summary>A call on a thread's stack: its id (0 when not in the file: dropped or skimmed) and where its row is pending.</summary>
    private struct OpenCall
    {
        public long Id, StartNs;
        public int Slot, Serial;

        public static readonly OpenCall Missing = default;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void OnRecord(byte kind, ReadOnlySpan<byte> payload)
    {
        if (_skimming && Skim(kind)) return;
        var r = new RecordDecoder(payload);
        switch ((RecordKind)kind)
        {
            case RecordKind.ProcessStart: ProcessStart(ref r); break;
            case RecordKind.CodeDef: CodeDef(ref r); break;
            case RecordKind.TypeDef: TypeDef(ref r); break;
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
            case RecordKind.TimeBase: _ticksHigh = (ulong)r.U32() << 32; break;
            case RecordKind.KeptValue: KeptValue(ref r); break;
            case RecordKind.ProcessEnd: Ended = true; LastNs = ToNs(r.U64()); EndProcess(LastNs); break;
        }
    }

    /// <summary>True for the records skimming passes over: a call is counted, its end and log records ignored.</summary>
    private bool Skim(byte kind)
    {
        switch ((RecordKind)kind)
        {
            case RecordKind.Call or RecordKind.Resume:
                Calls++;
                Skimmed++;
                return true;
            case RecordKind.Return or RecordKind.Yield or RecordKind.Exception or RecordKind.Log:
                return true;
            default:
                return false;
        }
    }

    private void ProcessStart(ref RecordDecoder r)
    {
        int pid = Pid = r.I32();
        int ppid = r.I32();
        _ticks0 = (long)r.U64();
        long ns0 = _ns0 = r.I64();
        bool tsc = r.U8() == 1;
        _nsPerTick = tsc ? 1e9 / ticksPerSecond : 1;
        PythonVersion = r.String();
        Batch.Add(db => db.Process(pid, ppid, ns0));
    }

    private void CodeDef(ref RecordDecoder r)
    {
        uint id = r.U32();
        int line = r.I32();
        var flags = (CodeFlags)r.U16();
        int argCount = r.U16();
        string module = r.String(), name = r.String(), file = r.String();
        var argNames = new string[argCount];
        for (int i = 0; i < argCount; i++) argNames[i] = r.String();
        _codes[id] = names.Function(module, name, file, line, argNames);
        if ((flags & CodeFlags.ClassBody) != 0) _classBodies.Add(id);
        else _classBodies.Remove(id);
        if ((flags & CodeFlags.Native) != 0) _native.Add(id);
        else _native.Remove(id);
    }

    private void Thread(ref RecordDecoder r)
    {
        _tid = (long)r.U64();
        string name = r.String();
        if (!_stacks.TryGetValue(_tid, out var stack)) _stacks[_tid] = stack = [];
        _thread = names.Thread(Pid, _tid, name);
        _stack = stack;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Call(ref RecordDecoder r, int kind)
    {
        long ns = ToNs(_ticksHigh | r.U32());
        uint code = r.U32();
        int depth = r.U16();
        if (!_codes.TryGetValue(code, out long function)) return;
        Resync(depth);
        Calls++;
        LastNs = ns;
        long parent = depth > 0 ? _stack[depth - 1].Id : 0;
        long id = callIds.Take(throwIfWriterFailed);
        var batch = Batch;
        int slot = batch.AddCall(id, parent, _thread, depth, ns, function,
            kind != Schema.CallKind.Call ? kind
            : _classBodies.Contains(code) ? Schema.CallKind.Class
            : _native.Contains(code) ? Schema.CallKind.CFunction : kind);
        if (kind == Schema.CallKind.Call)
        {
            int count = r.U16();
            for (int i = 0; i < count; i++)
            {
                batch.AddArg(slot, Value(ref r, r.U32()));
            }
        }
        _stack.Add(new OpenCall { Id = id, StartNs = ns, Slot = slot, Serial = batch.Serial });
    }

    /// <summary>A pytrace.log() entry: a finished row under the open call, its fields stored as arguments.</summary>
    private void Log(ref RecordDecoder r)
    {
        long ns = ToNs(r.U64());
        int depth = r.U16();
        int line = r.I32();
        string module = r.String(), file = r.String();
        int count = r.U16();
        var fieldNames = new string[count];
        var values = new long[count];
        for (int i = 0; i < count; i++)
        {
            fieldNames[i] = r.String();
            values[i] = Value(ref r, r.U32());
        }
        Resync(depth);
        LastNs = ns;
        long parent = depth > 0 ? _stack[depth - 1].Id : 0;
        long function = names.Function(module, "log", file, line, fieldNames);
        var batch = Batch;
        int slot = batch.AddCall(callIds.Take(throwIfWriterFailed), parent, _thread, depth, ns, function, Schema.CallKind.Log);
        foreach (long value in values) batch.AddArg(slot, value);
        batch.EndCall(slot, ns, Schema.EndKind.Return, 0);
    }

    /// <summary>A value after its type id: its text, the slot of a kept one, or an object's type and address.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long Value(ref RecordDecoder r, uint type)
    {
        if (type < OpaqueValues.Reference) return names.Value(TypeId(type), r.Utf8Bytes());
        if (type == OpaqueValues.Reference) return OpaqueValue(ref r);
        int slot = r.U16();
        return slot < _kept.Length ? _kept[slot] : 0;
    }

    private void TypeDef(ref RecordDecoder r)
    {
        uint id = r.U32();
        _types[id] = names.String(r.String());
        _opaquePrefixes[id] = [.. "<"u8, .. r.Utf8Bytes(), .. " object at 0x"u8];
    }

    /// <summary>An object's text as object.__repr__ writes it, from its type's full name and its address.</summary>
    private long OpaqueValue(ref RecordDecoder r)
    {
        uint type = r.U32();
        ulong address = r.U64();
        var prefix = _opaquePrefixes.GetValueOrDefault(type) ?? "<? object at 0x"u8.ToArray(); // only in a corrupt ring
        Span<byte> text = stackalloc byte[prefix.Length + 17];
        prefix.CopyTo(text);
        address.TryFormat(text[prefix.Length..], out int digits, "x", System.Globalization.CultureInfo.InvariantCulture);
        int length = prefix.Length + digits;
        text[length++] = (byte)'>';
        return names.Value(TypeId(type), text[..length]);
    }

    /// <summary>A slot's value, which later records name by the slot; followed while skimming too, for the calls after it.</summary>
    private void KeptValue(ref RecordDecoder r)
    {
        int slot = r.U16();
        long type = TypeId(r.U32());
        long id = names.Value(type, r.Utf8Bytes());
        if (slot < _kept.Length) _kept[slot] = id;
    }

    /// <summary>Makes the open-call stack <paramref name="depth"/> deep, as a record at that depth says it is.</summary>
    private void Resync(int depth)
    {
        if (_stack.Count > depth) _stack.RemoveRange(depth, _stack.Count - depth); // their ends were dropped
        while (_stack.Count < depth) _stack.Add(OpenCall.Missing);                // their calls were dropped
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void End(ref RecordDecoder r, int endKind)
    {
        long ns = ToNs(_ticksHigh | r.U32());
        uint code = r.U32();
        int depth = r.U16();
        uint type = r.U32();
        LastNs = ns;
        if (_stack.Count > depth + 1) _stack.RemoveRange(depth + 1, _stack.Count - depth - 1);
        if (_stack.Count != depth + 1) return;
        var call = CollectionsMarshal.AsSpan(_stack)[depth];
        _stack.RemoveAt(depth);
        if (call.Id == 0) return; // its call was dropped or skimmed
        // A C function's end carries no value: neither hook hands it over.
        long result = type == 0 && _native.Contains(code) ? 0 : Value(ref r, type);
        var batch = Batch;
        if (call.Serial == batch.Serial) batch.EndCall(call.Slot, ns, endKind, result);
        else batch.EndWritten(call.Id, ns - call.StartNs, endKind, result);
    }

    private void Drop(ref RecordDecoder r)
    {
        long ns = ToNs(r.U64());
        long count = (long)r.U64();
        _droppedReported += count;
        int pid = Pid;
        Batch.Add(db => db.Drop(pid, ns, count));
    }

    /// <summary>Another profiler held this thread's hook: a gap row; the depth after it re-synchronises the stack.</summary>
    private void Gap(ref RecordDecoder r)
    {
        long start = ToNs(r.U64()), end = ToNs(r.U64());
        Resync(r.U16());
        int pid = Pid;
        long tid = _tid;
        Batch.Add(db => db.Gap(pid, tid, start, end));
        LastNs = end;
    }

    private void Error(ref RecordDecoder r)
    {
        long ns = ToNs(r.U64());
        string message = r.String();
        int pid = Pid;
        Batch.Add(db => db.Error(pid, ns, message));
        Errors.Add($"internal error in process {Pid}: {message} (that event was not recorded; the program went on)");
    }

    /// <summary>Records dropped after the producer's last Drop record (it died or ended while the ring was full).</summary>
    public void ReconcileDrops(ulong droppedInHeader)
    {
        long missing = (long)droppedInHeader - _droppedReported;
        if (missing <= 0) return;
        _droppedReported += missing;
        int pid = Pid;
        long ns = LastNs;
        Batch.Add(db => db.Drop(pid, ns, missing));
    }

    public void Close(long endNs) => EndProcess(Ended ? LastNs : endNs);

    private void EndProcess(long endNs)
    {
        int pid = Pid;
        long dropped = _droppedReported;
        Batch.Add(db => db.EndProcess(pid, endNs, dropped));
    }

    /// <summary>A type the ring never defined (it cannot happen but for a damaged ring) is stored as '?'.</summary>
    private long TypeId(uint local)
    {
        if (local != 0 && _types.TryGetValue(local, out long id)) return id;
        if (_unknownType == 0) _unknownType = names.String("?");
        return _unknownType;
    }

    /// <summary>The high 32 bits of the ticks of Call, Resume and end records, from the last TimeBase record.</summary>
    private ulong _ticksHigh;

    private long ToNs(ulong ticks) => _ns0 + (long)(((long)ticks - _ticks0) * _nsPerTick);
}
