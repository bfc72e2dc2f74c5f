using System.Runtime.CompilerServices;
using System.Buffers.Binary;

namespace Pytrace.Dumper;

/// <summary>
/// The value ids the writer has given out, by type and text, so that a value repeated a million times is stored
/// once. Bounded: past <see cref="BudgetBytes"/> it starts over, and a value seen again gets a second row, which
/// costs space, never correctness (readers treat a value as the set of rows with its text).
/// </summary>
internal sealed class ValueCache
{
    public const long BudgetBytes = 24L << 20;
    private const int EntryOverhead = 64;

    private readonly Dictionary<byte[], long> _ids = new(new ContentComparer());
    private readonly Dictionary<byte[], long>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private byte[] _key = new byte[256];
    private long _bytes;

    public ValueCache() => _lookup = _ids.GetAlternateLookup<ReadOnlySpan<byte>>();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryGet(long type, ReadOnlySpan<byte> text, out long id) => _lookup.TryGetValue(Key(type, text), out id);

    public void Add(long type, ReadOnlySpan<byte> text, long id)
    {
        var key = Key(type, text).ToArray();
        _bytes += key.Length + EntryOverhead;
        if (_bytes > BudgetBytes)
        {
            _ids.Clear();
            _bytes = key.Length + EntryOverhead;
        }
        _ids[key] = id;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ReadOnlySpan<byte> Key(long type, ReadOnlySpan<byte> text)
    {
        if (_key.Length < text.Length + 8) _key = new byte[Math.Max(_key.Length * 2, text.Length + 8)];
        BinaryPrimitives.WriteInt64LittleEndian(_key, type);
        text.CopyTo(_key.AsSpan(8));
        return _key.AsSpan(0, text.Length + 8);
    }

    private sealed class ContentComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);
        public int GetHashCode(byte[] key) => Hash(key);
        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);
        public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);
        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

        private static int Hash(ReadOnlySpan<byte> bytes)
        {
            var hash = new HashCode();
            hash.AddBytes(bytes);
            return hash.ToHashCode();
        }
    }
}
