using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Pytrace.Storage.Native;

namespace Pytrace.Storage;

/// <summary>One calls row as the writer inserts it; 0 stands for NULL in Parent and Result, -1 in Duration. StartNs is since 1970.</summary>
public struct CallValues
{
    public long Id, Parent, Thread, StartNs, Duration, Function, Result;
    public int Depth, Kind, EndKind;
    internal int ArgsOffset, ArgsLength;
}

/// <summary>
/// Inserts calls rows 32 to a statement: one step per 32 rows instead of one per row, with the argument arrays
/// bound SQLITE_STATIC from native memory that stays put until the step.
/// </summary>
internal sealed unsafe class CallBatch : IDisposable
{
    private const int Columns = 9, RowsPerStatement = 32;
    // OR IGNORE: a statement that cannot abort half-way needs no statement journal, 15% of the writer's time. Ids
    // come from blocks reserved in meta, so no row is ever ignored; a full disk still fails the statement.
    private const string Insert = "INSERT OR IGNORE INTO " + Schema.CallRows + "(id, parent_gap, thread, packed, start, duration, function, result, args) VALUES";

    private readonly nint _db;
    private readonly long _epochNs;
    private readonly Statement _many, _one;
    /// <summary>Per statement, what each parameter holds (<see cref="Null"/>, or <see cref="Other"/> for text and the
    /// two marker values themselves): sqlite3_reset keeps bindings, and a parameter bound again to the value it has
    /// (the same thread, kind, function...) costs SQLite a third of a row's time for nothing.</summary>
    private readonly long* _manyBound, _oneBound;
    private const long Null = long.MinValue, Other = long.MinValue + 1;
    private readonly CallValues[] _rows = new CallValues[RowsPerStatement];
    private int _count;
    private byte* _argsText;
    private int _argsCapacity = 1 << 16, _argsUsed;
    /// <summary>The largest id in the table, read when a transaction begins: a row with the next one is bound with a
    /// NULL id, which SQLite then gives the same number by appending, without the search of the table's B-tree that
    /// an explicit id costs.</summary>
    private long _maxId;
    private readonly Statement _largest;

    public CallBatch(nint db, long epochNs)
    {
        _db = db;
        _epochNs = epochNs;
        _many = new Statement(db, Insert + string.Join(",", Enumerable.Repeat("(?,?,?,?,?,?,?,?,?)", RowsPerStatement)));
        _one = new Statement(db, Insert + "(?,?,?,?,?,?,?,?,?)");
        _argsText = (byte*)NativeMemory.Alloc((nuint)_argsCapacity);
        _manyBound = NewBound(RowsPerStatement * Columns);
        _oneBound = NewBound(Columns);
        _largest = new Statement(db, $"SELECT max(id) FROM {Schema.CallRows}");
    }

    /// <summary>Queues ROW with its argument value ids; inserts the 32 queued once full.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(in CallValues row, ReadOnlySpan<long> args)
    {
        int length = args.IsEmpty ? 0 : ArgsColumn.MaxLength(args.Length);
        if (_argsUsed + length > _argsCapacity)
        {
            Flush(); // the queued rows point into the argument buffer: insert them before it moves
            if (length > _argsCapacity)
            {
                _argsCapacity = length;
                _argsText = (byte*)NativeMemory.Realloc(_argsText, (nuint)_argsCapacity);
            }
        }
        ref var queued = ref _rows[_count++];
        queued = row;
        queued.ArgsOffset = _argsUsed;
        queued.ArgsLength = args.IsEmpty ? 0 : ArgsColumn.Write(args, new Span<byte>(_argsText + _argsUsed, length));
        _argsUsed += queued.ArgsLength;
        if (_count == RowsPerStatement) Step(_many, _manyBound, RowsPerStatement);
    }

    /// <summary>A transaction began: another run appending to the file may have added rows since the last one.</summary>
    public void ReadLargestId()
    {
        _maxId = _largest.ScalarInt64() ?? 0;
    }

    /// <summary>Inserts what is queued (a commit is coming).</summary>
    public void Flush()
    {
        int count = _count;
        _count = 0;
        for (int i = 0; i < count; i++)
        {
            _rows[0] = _rows[i];
            Step(_one, _oneBound, 1);
        }
        _argsUsed = 0;
    }

    private static long* NewBound(int parameters)
    {
        var bound = (long*)NativeMemory.Alloc((nuint)(parameters + 1), sizeof(long));
        new Span<long>(bound, parameters + 1).Fill(Null);
        return bound;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Bind(nint s, long* bound, int index, long value)
    {
        if (bound[index] == value && value > Other) return;
        SqliteNative.BindInt64(s, index, value);
        bound[index] = value > Other ? value : Other;
    }

    /// <summary>NULL is 0 (Parent, Result) or negative (Duration) in a row: NULL is bound again only after a value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BindOrNull(nint s, long* bound, int index, long value, bool isNull)
    {
        if (!isNull) { Bind(s, bound, index, value); return; }
        if (bound[index] == Null) return;
        SqliteNative.BindNull(s, index);
        bound[index] = Null;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Step(Statement statement, long* bound, int rows)
    {
        nint s = statement.Handle;
        for (int r = 0; r < rows; r++)
        {
            ref var row = ref _rows[r];
            int b = r * Columns;
            BindOrNull(s, bound, b + 1, row.Id, row.Id == _maxId + 1);
            if (row.Id > _maxId) _maxId = row.Id;
            // the parent as its distance back: a byte or two where its id took three or four
            BindOrNull(s, bound, b + 2, row.Id - row.Parent, row.Parent == 0);
            Bind(s, bound, b + 3, row.Thread);
            Bind(s, bound, b + 4, Schema.Packed(row.Depth, row.Kind, row.EndKind));
            Bind(s, bound, b + 5, row.StartNs - _epochNs);
            BindOrNull(s, bound, b + 6, row.Duration, row.Duration < 0);
            Bind(s, bound, b + 7, row.Function);
            BindOrNull(s, bound, b + 8, row.Result, row.Result == 0);
            if (row.ArgsLength == 0) BindOrNull(s, bound, b + 9, 0, true);
            else
            {
                // the text's bytes change under the same pointer: always bound again
                SqliteNative.BindText(s, b + 9, _argsText + row.ArgsOffset, row.ArgsLength, SqliteNative.Static);
                bound[b + 9] = Other;
            }
        }
        int rc = SqliteNative.Step(s);
        SqliteNative.Reset(s);
        if (rows == RowsPerStatement) { _count = 0; _argsUsed = 0; }
        if (rc != SqliteNative.DONE) TraceDatabaseException.Check(rc, _db, "INSERT INTO calls");
    }

    public void Dispose()
    {
        _many.Dispose();
        _one.Dispose();
        _largest.Dispose();
        NativeMemory.Free(_manyBound);
        NativeMemory.Free(_oneBound);
        if (_argsText != null) NativeMemory.Free(_argsText);
        _argsText = null;
    }
}
