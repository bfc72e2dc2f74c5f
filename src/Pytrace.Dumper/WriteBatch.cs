using System.Runtime.CompilerServices;
using Pytrace.Storage;

namespace Pytrace.Dumper;

/// <summary>
/// Everything decoded between two commits, for the writing thread: new rows in id order, ends of rows written by
/// an earlier batch, new values, and the rare rest (definitions, threads, processes, drops) as operations. All ids
/// are given already. Reused from batch to batch: nothing here allocates per call once warm.
/// </summary>
internal sealed class WriteBatch
{
    /// <summary>Rows a batch holds without growing: the decoder submits at this many (growing arrays of this size costs full GCs).</summary>
    public const int Capacity = 65_536;

    private CallValues[] _rows = new CallValues[Capacity];
    private int[] _argStart = new int[Capacity], _argCount = new int[Capacity];
    private long[] _args = new long[2 * Capacity];
    private int _argUsed;
    private (long Id, long Type, int Offset, int Length)[] _values = new (long, long, int, int)[4096];
    private byte[] _valueText = new byte[1 << 16];
    private int _valueCount, _textUsed;
    private readonly List<(long Id, long Duration, int EndKind, long Result)> _ends = [];
    private readonly List<Action<TraceWriter>> _operations = [];

    /// <summary>Tells this batch from the ones before it, for calls that end in a later batch than they started.</summary>
    public int Serial { get; private set; }
    public int Rows { get; private set; }
    public bool IsEmpty => Rows == 0 && _ends.Count == 0 && _valueCount == 0 && _operations.Count == 0;

    public void Reset(int serial)
    {
        Serial = serial;
        Rows = _argUsed = _valueCount = _textUsed = 0;
        _ends.Clear();
        _operations.Clear();
    }

    /// <summary>An unfinished row; returns its slot, for its arguments and its end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int AddCall(long id, long parent, long thread, int depth, long startNs, long function, int kind)
    {
        if (Rows == _rows.Length)
        {
            Array.Resize(ref _rows, Rows * 2);
            Array.Resize(ref _argStart, Rows * 2);
            Array.Resize(ref _argCount, Rows * 2);
        }
        _rows[Rows] = new CallValues
        {
            Id = id, Parent = parent, Thread = thread, Depth = depth, StartNs = startNs, Duration = -1, Function = function,
            Kind = kind, EndKind = Schema.EndKind.Unfinished,
        };
        _argStart[Rows] = _argUsed;
        _argCount[Rows] = 0;
        return Rows++;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AddArg(int slot, long value)
    {
        if (_argUsed == _args.Length) Array.Resize(ref _args, _argUsed * 2);
        _args[_argUsed++] = value;
        _argCount[slot]++;
    }

    /// <summary>The end of the call in SLOT of this batch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void EndCall(int slot, long endNs, int endKind, long result)
    {
        ref var row = ref _rows[slot];
        row.Duration = endNs - row.StartNs;
        row.EndKind = endKind;
        row.Result = result;
    }

    /// <summary>The end of a call written by an earlier batch.</summary>
    public void EndWritten(long id, long duration, int endKind, long result) => _ends.Add((id, duration, endKind, result));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AddValue(long id, long type, ReadOnlySpan<byte> text)
    {
        if (_valueCount == _values.Length) Array.Resize(ref _values, _valueCount * 2);
        if (_textUsed + text.Length > _valueText.Length) Array.Resize(ref _valueText, Math.Max(_valueText.Length * 2, _textUsed + text.Length));
        text.CopyTo(_valueText.AsSpan(_textUsed));
        _values[_valueCount++] = (id, type, _textUsed, text.Length);
        _textUsed += text.Length;
    }

    /// <summary>Anything rare: a definition, a thread, a process, a drop.</summary>
    public void Add(Action<TraceWriter> operation) => _operations.Add(operation);

    /// <summary>Writes the batch into the open transaction (the writing thread).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void WriteTo(TraceWriter db)
    {
        foreach (var operation in _operations) operation(db);
        for (int i = 0; i < _valueCount; i++)
        {
            var (id, type, offset, length) = _values[i];
            db.Value(id, type, _valueText.AsSpan(offset, length));
        }
        for (int i = 0; i < Rows; i++) db.Insert(_rows[i], _args.AsSpan(_argStart[i], _argCount[i]));
        foreach (var (id, duration, endKind, result) in _ends) db.End(id, duration, endKind, result);
    }
}
