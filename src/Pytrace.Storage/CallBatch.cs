using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Pytrace.Storage.Native;

namespace Pytrace.Storage;

/// <summary>One calls row as the writer inserts it; 0 stands for NULL in Parent and Result, -1 in Duration.</summary>
public struct CallValues
{
    public long Id, Parent, Thread, StartNs, Duration, Function, Result;
    public int Depth, Kind, EndKind;
    internal int BlobOffset, BlobLength;
}

/// <summary>
/// Inserts calls rows 32 to a statement: one step per 32 rows instead of one per row, with the argument blobs
/// bound SQLITE_STATIC from native memory that stays put until the step.
/// </summary>
internal sealed unsafe class CallBatch : IDisposable
{
    private const int Columns = 11, RowsPerStatement = 32;
    private const string Insert = "INSERT INTO calls(id, parent, thread, depth, start_ns, duration, function, kind, end_kind, result, args) VALUES";

    private readonly nint _db;
    private readonly Statement _many, _one;
    private readonly CallValues[] _rows = new CallValues[RowsPerStatement];
    private int _count;
    private byte* _blobs;
    private int _blobCapacity = 1 << 16, _blobUsed;

    public CallBatch(nint db)
    {
        _db = db;
        _many = new Statement(db, Insert + string.Join(",", Enumerable.Repeat("(?,?,?,?,?,?,?,?,?,?,?)", RowsPerStatement)));
        _one = new Statement(db, Insert + "(?,?,?,?,?,?,?,?,?,?,?)");
        _blobs = (byte*)NativeMemory.Alloc((nuint)_blobCapacity);
    }

    /// <summary>Queues ROW with its argument value ids; inserts the 32 queued once full.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(in CallValues row, ReadOnlySpan<long> args)
    {
        int length = args.IsEmpty ? 0 : ArgsBlob.MaxLength(args.Length);
        if (_blobUsed + length > _blobCapacity)
        {
            Flush(); // the queued rows point into the blob buffer: insert them before it moves
            if (length > _blobCapacity)
            {
                _blobCapacity = length;
                _blobs = (byte*)NativeMemory.Realloc(_blobs, (nuint)_blobCapacity);
            }
        }
        ref var queued = ref _rows[_count++];
        queued = row;
        queued.BlobOffset = _blobUsed;
        queued.BlobLength = args.IsEmpty ? 0 : ArgsBlob.Write(args, new Span<byte>(_blobs + _blobUsed, length));
        _blobUsed += queued.BlobLength;
        if (_count == RowsPerStatement) Step(_many, RowsPerStatement);
    }

    /// <summary>Inserts what is queued (a commit is coming).</summary>
    public void Flush()
    {
        int count = _count;
        _count = 0;
        for (int i = 0; i < count; i++)
        {
            _rows[0] = _rows[i];
            Step(_one, 1);
        }
        _blobUsed = 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Step(Statement statement, int rows)
    {
        nint s = statement.Handle;
        for (int r = 0; r < rows; r++)
        {
            ref var row = ref _rows[r];
            int b = r * Columns;
            SqliteNative.BindInt64(s, b + 1, row.Id);
            if (row.Parent == 0) SqliteNative.BindNull(s, b + 2); else SqliteNative.BindInt64(s, b + 2, row.Parent);
            SqliteNative.BindInt64(s, b + 3, row.Thread);
            SqliteNative.BindInt64(s, b + 4, row.Depth);
            SqliteNative.BindInt64(s, b + 5, row.StartNs);
            if (row.Duration < 0) SqliteNative.BindNull(s, b + 6); else SqliteNative.BindInt64(s, b + 6, row.Duration);
            SqliteNative.BindInt64(s, b + 7, row.Function);
            SqliteNative.BindInt64(s, b + 8, row.Kind);
            SqliteNative.BindInt64(s, b + 9, row.EndKind);
            if (row.Result == 0) SqliteNative.BindNull(s, b + 10); else SqliteNative.BindInt64(s, b + 10, row.Result);
            if (row.BlobLength == 0) SqliteNative.BindNull(s, b + 11);
            else SqliteNative.BindBlob(s, b + 11, _blobs + row.BlobOffset, row.BlobLength, SqliteNative.Static);
        }
        int rc = SqliteNative.Step(s);
        SqliteNative.Reset(s);
        if (rows == RowsPerStatement) { _count = 0; _blobUsed = 0; }
        if (rc != SqliteNative.DONE) TraceDatabaseException.Check(rc, _db, "INSERT INTO calls");
    }

    public void Dispose()
    {
        _many.Dispose();
        _one.Dispose();
        if (_blobs != null) NativeMemory.Free(_blobs);
        _blobs = null;
    }
}
