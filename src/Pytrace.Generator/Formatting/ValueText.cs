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

    public void Ascii(scoped ReadOnlySpan<byte> s)
    {
        int n = Math.Min(s.Length, _limit - _chars);
        if (n <= 16)
        {
            for (int i = 0; i < n; i++) _cursor[i] = s[i]; // short pieces (", ", digits): a call to memmove costs more
        }
        else
        {
            s[..n].CopyTo(new Span<byte>(_cursor, n));
        }
        _cursor += n;
        _chars += n;
        if (n < s.Length) _cut = true;
    }

    public void Utf8(byte* s, int length)
    {
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

    public void Decimal(long v)
    {
        byte* digits = stackalloc byte[24];
        int n = 24;
        ulong u = v < 0 ? (ulong)(-(v + 1)) + 1 : (ulong)v;
        do { digits[--n] = (byte)('0' + (int)(u % 10)); u /= 10; } while (u != 0);
        if (v < 0) digits[--n] = (byte)'-';
        Ascii(new ReadOnlySpan<byte>(digits + n, 24 - n));
    }

    public void Hex(ulong v, int minDigits)
    {
        byte* digits = stackalloc byte[16];
        int n = 0;
        do { digits[n++] = (byte)"0123456789abcdef"[(int)(v & 15)]; v >>= 4; } while (v != 0 || n < minDigits);
        while (n > 0) Ascii(digits[--n]);
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
