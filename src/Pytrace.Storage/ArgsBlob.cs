namespace Pytrace.Storage;

/// <summary>
/// A call's arguments as stored in <c>calls.args</c>: a JSONB array (SQLite's binary JSON) of the arguments'
/// value ids in declaration order, each a TEXTRAW element of decimal digits. SQL reads one by position
/// (<c>args ->> 2</c>) and finds any by <c>instr(args, Pattern(id)) &gt; 0</c>: an element's header byte is never a digit,
/// so the pattern can only match a whole element.
/// </summary>
public static class ArgsBlob
{
    private const byte TextRaw = 0x0A, Array = 0x0B;
    /// <summary>Value ids have at most 11 digits: an element's size then fits its header byte.</summary>
    public const long MaxId = 99_999_999_999;

    /// <summary>Bytes <see cref="Write"/> needs at most for COUNT ids.</summary>
    public static int MaxLength(int count) => 5 + count * 12;

    /// <summary>Writes the array of IDS into DESTINATION and returns its length.</summary>
    public static int Write(ReadOnlySpan<long> ids, Span<byte> destination)
    {
        int payload = 0;
        foreach (long id in ids) payload += 1 + Digits(id);
        int at = Header(payload, destination);
        foreach (long id in ids)
        {
            int digits = Digits(id);
            destination[at++] = (byte)(digits << 4 | TextRaw);
            long rest = id;
            for (int i = at + digits - 1; i >= at; i--, rest /= 10) destination[i] = (byte)('0' + rest % 10);
            at += digits;
        }
        return at;
    }

    public static byte[] Encode(ReadOnlySpan<long> ids)
    {
        var buffer = new byte[MaxLength(ids.Length)];
        return buffer[..Write(ids, buffer)];
    }

    /// <summary>The value ids of a stored array, in order; empty for NULL.</summary>
    public static List<long> Decode(ReadOnlySpan<byte> blob)
    {
        var ids = new List<long>();
        if (blob.IsEmpty) return ids;
        int at = SizeAndSkip(blob, 0, out int payload);
        int end = at + payload;
        while (at < end)
        {
            at = SizeAndSkip(blob, at, out int size);
            long id = 0;
            for (int i = at; i < at + size; i++) id = id * 10 + (blob[i] - '0');
            ids.Add(id);
            at += size;
        }
        return ids;
    }

    /// <summary>The bytes of one element, for <c>instr(args, pattern)</c>: matches exactly the arrays holding ID.</summary>
    public static byte[] Pattern(long id)
    {
        int digits = Digits(id);
        var pattern = new byte[1 + digits];
        pattern[0] = (byte)(digits << 4 | TextRaw);
        long rest = id;
        for (int i = digits; i >= 1; i--, rest /= 10) pattern[i] = (byte)('0' + rest % 10);
        return pattern;
    }

    private static int Header(int payload, Span<byte> destination)
    {
        switch (payload)
        {
            case <= 11:
                destination[0] = (byte)(payload << 4 | Array);
                return 1;
            case <= 0xFF:
                destination[0] = 0xC0 | Array;
                destination[1] = (byte)payload;
                return 2;
            case <= 0xFFFF:
                destination[0] = 0xD0 | Array;
                destination[1] = (byte)(payload >> 8);
                destination[2] = (byte)payload;
                return 3;
            default:
                destination[0] = 0xE0 | Array;
                for (int i = 0; i < 4; i++) destination[1 + i] = (byte)(payload >> (24 - 8 * i));
                return 5;
        }
    }

    private static int SizeAndSkip(ReadOnlySpan<byte> blob, int at, out int size)
    {
        int nibble = blob[at] >> 4;
        switch (nibble)
        {
            case <= 11: size = nibble; return at + 1;
            case 12: size = blob[at + 1]; return at + 2;
            case 13: size = blob[at + 1] << 8 | blob[at + 2]; return at + 3;
            default: size = blob[at + 1] << 24 | blob[at + 2] << 16 | blob[at + 3] << 8 | blob[at + 4]; return at + 5;
        }
    }

    private static int Digits(long id)
    {
        if (id < 0 || id > MaxId) throw new ArgumentOutOfRangeException(nameof(id));
        int digits = 1;
        for (long rest = id / 10; rest > 0; rest /= 10) digits++;
        return digits;
    }
}
