using System.Runtime.CompilerServices;

namespace Pytrace.Generator.Formatting;

/// <summary>
/// UTF-8 output bounded by a number of characters. Past the limit, writes are ignored and the text is
/// marked cut; <see cref="Finish"/> then replaces the last three characters with "...".
/// </summary>
internal unsafe ref struct ValueText
{
    private readonly byte* _start;
    private byte* _cursor;
    private int _limit;
    private int _chars;
    private bool _cut;

    /// <summary><paramref name="buffer"/> must hold 4 * limit + 4 bytes.</summary>
    public ValueText(byte* buffer, int limit)
    {
        _start = buffer;
        _cursor = buffer;
        _limit = limit;
    }

    /// <summary>A write was refused: the text is longer than the limit (filling it exactly is not a cut).</summary>
    public readonly bool Full => _cut;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Ascii(byte b)
    {
        if (_chars >= _limit) { _cut = true; return; }
        *_cursor++ = b;
        _chars++;
    }

    /// <summary>Ends the text here as cut, though it is not full: the rest of the value is not shown (too deep).</summary>
    public void Cut()
    {
        Ascii("..."u8);
        _limit = _chars; // nothing more is written: the closing brackets would make it look whole
        _cut = true;
    }

    /// <summary>Characters that still fit before the limit.</summary>
    public readonly int Room => _limit - _chars;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Ascii(scoped ReadOnlySpan<byte> s)
    {
        int n = s.Length;
        if (n > 16 || n > _limit - _chars) { AsciiLong(s); return; }
        for (int i = 0; i < n; i++) _cursor[i] = s[i]; // short pieces (", ", digits): a call to memmove costs more
        _cursor += n;
        _chars += n;
    }

    private void AsciiLong(scoped ReadOnlySpan<byte> s)
    {
        int n = Math.Min(s.Length, _limit - _chars);
        s[..n].CopyTo(new Span<byte>(_cursor, n));
        _cursor += n;
        _chars += n;
        if (n < s.Length) _cut = true;
    }

    public void Utf8(byte* s, int length)
    {
        if (length <= _limit - _chars && Ascii(s, length)) return;
        for (int i = 0; i < length;)
        {
            if (_chars >= _limit) { _cut = true; return; }
            int n = Utf8Length(s[i]);
            if (i + n > length) n = length - i;
            for (int k = 0; k < n; k++) *_cursor++ = s[i + k];
            i += n;
            _chars++;
        }
    }

    /// <summary>Copies <paramref name="s"/> when it is all ASCII (a type or module name), else writes nothing and returns false.</summary>
    private bool Ascii(byte* s, int length)
    {
        if (!System.Text.Ascii.IsValid(new ReadOnlySpan<byte>(s, length))) return false;
        Buffer.MemoryCopy(s, _cursor, length, length);
        _cursor += length;
        _chars += length;
        return true;
    }

    public void CodePoint(int cp)
    {
        if (cp < 0x80) { Ascii((byte)cp); return; }
        if (_chars >= _limit) { _cut = true; return; }
        if (cp < 0x800)
        {
            *_cursor++ = (byte)(0xC0 | (cp >> 6));
        }
        else if (cp < 0x10000)
        {
            *_cursor++ = (byte)(0xE0 | (cp >> 12));
            *_cursor++ = (byte)(0x80 | ((cp >> 6) & 0x3F));
        }
        else
        {
            *_cursor++ = (byte)(0xF0 | (cp >> 18));
            *_cursor++ = (byte)(0x80 | ((cp >> 12) & 0x3F));
            *_cursor++ = (byte)(0x80 | ((cp >> 6) & 0x3F));
        }
        *_cursor++ = (byte)(0x80 | (cp & 0x3F));
        _chars++;
    }

    /// <summary>
    /// Where ASCII can be written directly and how many characters fit: a loop over many small items writes from a
    /// local pointer, then hands it back with <see cref="EndAscii"/>.
    /// </summary>
    public readonly byte* BeginAscii(out int room)
    {
        room = _limit - _chars;
        return _cursor;
    }

    public void EndAscii(byte* end)
    {
        _chars += (int)(end - _cursor);
        _cursor = end;
    }

    /// <summary>Writes <paramref name="v"/> in decimal at <paramref name="p"/> (room for 20 bytes); returns the end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* WriteDecimal(byte* p, long v)
    {
        ulong u = Magnitude(v);
        if (v < 0) *p++ = (byte)'-';
        int n = DigitCount(u);
        byte* end = p + n;
        p = end;
        while (u >= 100)
        {
            ulong q = u / 100;
            int r = (int)(u - q * 100) * 2;
            *--p = TwoDigits[r + 1];
            *--p = TwoDigits[r];
            u = q;
        }
        if (u >= 10)
        {
            *--p = TwoDigits[(int)u * 2 + 1];
            *--p = TwoDigits[(int)u * 2];
        }
        else *--p = (byte)('0' + (int)u);
        return end;
    }

    /// <summary>The characters of <paramref name="v"/> in decimal.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int DecimalLength(long v) => (v < 0 ? 1 : 0) + DigitCount(Magnitude(v));

    /// <summary>|v|, long.MinValue included.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Magnitude(long v) => v < 0 ? (ulong)(-(v + 1)) + 1 : (ulong)v;

    /// <summary>An integer in decimal, written in place when the room surely holds it (20 characters at most).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Decimal(long v)
    {
        if (_limit - _chars >= 20) { EndAscii(WriteDecimal(_cursor, v)); return; }
        byte* digits = stackalloc byte[20];
        AsciiLong(new ReadOnlySpan<byte>(digits, (int)(WriteDecimal(digits, v) - digits)));
    }

    private static ReadOnlySpan<byte> TwoDigits =>
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"u8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int DigitCount(ulong u)
    {
        int n = 1;
        while (u >= 10_000) { u /= 10_000; n += 4; }
        return u >= 1000 ? n + 3 : u >= 100 ? n + 2 : u >= 10 ? n + 1 : n;
    }

    /// <summary>Writes <paramref name="v"/> in lowercase hex, no leading zeros, at <paramref name="p"/> (room for 16 bytes); returns the end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* WriteHex(byte* p, ulong v)
    {
        int n = HexLength(v);
        HexDigits(p, v, n);
        return p + n;
    }

    private static int HexLength(ulong v) => (64 - System.Numerics.BitOperations.LeadingZeroCount(v | 1) + 3) / 4;

    /// <summary>The low <paramref name="n"/> hex digits of <paramref name="v"/>, lowercase, at <paramref name="at"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void HexDigits(byte* at, ulong v, int n)
    {
        ReadOnlySpan<byte> digits = "0123456789abcdef"u8;
        for (int i = n - 1; i >= 0; i--, v >>= 4) at[i] = digits[(int)(v & 15)];
    }

    /// <summary>At least <paramref name="minDigits"/> lowercase hex digits, in place when they fit.</summary>
    public void Hex(ulong v, int minDigits)
    {
        int n = Math.Max(minDigits, HexLength(v));
        byte* digits = stackalloc byte[16];
        bool fits = n <= _limit - _chars;
        byte* at = fits ? _cursor : digits;
        HexDigits(at, v, n);
        if (fits) EndAscii(_cursor + n);
        else AsciiLong(new ReadOnlySpan<byte>(digits, n));
    }

    /// <summary>Returns the byte length, with "..." in place of the last three characters when cut.</summary>
    public int Finish()
    {
        if (_cut)
        {
            for (int i = 0; i < 3 && _cursor > _start; i++)
            {
                do { _cursor--; } while (_cursor > _start && (*_cursor & 0xC0) == 0x80);
            }
            *_cursor++ = (byte)'.';
            *_cursor++ = (byte)'.';
            *_cursor++ = (byte)'.';
        }
        return (int)(_cursor - _start);
    }

    private static int Utf8Length(byte lead) => lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}
