using System.Buffers.Binary;
using System.Text;

namespace Pytrace.Records;

/// <summary>Reads a record payload field by field (consumer side; allocation is fine here).</summary>
public ref struct RecordDecoder(ReadOnlySpan<byte> payload)
{
    private readonly ReadOnlySpan<byte> _payload = payload;
    private int _at;

    public readonly bool AtEnd => _at >= _payload.Length;

    public byte U8() => _payload[_at++];
    public ushort U16() { var v = BinaryPrimitives.ReadUInt16LittleEndian(_payload[_at..]); _at += 2; return v; }
    public uint U32() { var v = BinaryPrimitives.ReadUInt32LittleEndian(_payload[_at..]); _at += 4; return v; }
    public int I32() => (int)U32();
    public ulong U64() { var v = BinaryPrimitives.ReadUInt64LittleEndian(_payload[_at..]); _at += 8; return v; }
    public long I64() => (long)U64();

    public ReadOnlySpan<byte> Utf8Bytes()
    {
        int length = U16();
        var bytes = _payload.Slice(_at, length);
        _at += length;
        return bytes;
    }

    public string String() => Encoding.UTF8.GetString(Utf8Bytes());
}
