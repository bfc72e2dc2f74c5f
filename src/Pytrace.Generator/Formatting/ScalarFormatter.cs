using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Text;
using Pytrace.Generator.Interop;

namespace Pytrace.Generator.Formatting;

/// <summary>repr() of int, float, str and bytes, exactly as CPython writes them, computed natively.</summary>
internal static unsafe class ScalarFormatter
{
    /// <summary>
    /// Above this many bits (about 1,000 digits) an int is summarized: its repr costs quadratic time (10 us here at
    /// 1,000 digits, 180 us at 3,900) and only the first hundred digits would show.
    /// </summary>
    private const int MaxIntBits = 3400;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Int(ref ValueText w, nint o)
    {
        if (PyInt.TryRead(o, out long small)) w.Decimal(small);
        else LargeInt(ref w, o);
    }

    private static void LargeInt(ref ValueText w, nint o)
    {
        int overflow;
        long v = Py.LongAsLongLongAndOverflow(o, &overflow);
        if (overflow == 0)
        {
            if (v == -1 && Py.ErrOccurred() != 0) { Py.ErrClear(); w.Ascii("<int>"u8); return; }
            w.Decimal(v);
            return;
        }
        long bits = Py.LongNumBits != null ? (long)Py.LongNumBits(o) : 0;
        if (bits > MaxIntBits)
        {
            w.Ascii("<int of ~"u8);
            w.Decimal((long)(bits * 0.30103) + 1);
            w.Ascii(" digits>"u8);
            return;
        }
        nint repr = Py.Repr(o);
        if (repr == 0) { Py.ErrClear(); w.Ascii("<int>"u8); return; }
        CopyStr(ref w, repr);
        Py.DecRef(repr);
    }

    public static void Float(ref ValueText w, nint o) => Float(ref w, *(double*)(o + 16));

    private static ReadOnlySpan<double> PowersOfTen => [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8];

    /// <summary>
    /// The common float, one with a few decimals (1.5, 0.25, 3.0) from 1e-4 to 2^50: |v| = m / 10^k for the least k
    /// up to 8. The division is exact to the last bit (m and 10^k are exact doubles), so equality means the digits
    /// round-trip; with the least k they are the shortest that do, and with m at most 2^50 a double's rounding
    /// interval is narrower than 10^-k, so no other m is as short: exactly repr()'s digits, in fixed notation.
    /// </summary>
    private static bool FewDecimals(double v, out long m, out int k)
    {
        double a = Math.Abs(v);
        m = 0;
        k = 0;
        if (!(a >= 1e-4 && a < 1e15)) return false; // NaN too
        ReadOnlySpan<double> powers = PowersOfTen;
        for (; k < powers.Length; k++)
        {
            double scaled = a * powers[k];
            if (scaled > 1L << 50) return false;
            double r = Math.Round(scaled);
            if (r / powers[k] == a) { m = (long)r; return true; }
        }
        return false;
    }

    /// <summary>m / 10^k in fixed notation ("0.05", "1.5", "3.0"), at most 24 bytes.</summary>
    private static byte* WriteFewDecimals(byte* p, bool negative, long m, int k)
    {
        if (negative) *p++ = (byte)'-';
        byte* digits = stackalloc byte[20];
        int n = (int)(ValueText.WriteDecimal(digits, m) - digits);
        int whole = n - k;
        if (whole <= 0) *p++ = (byte)'0';
        for (int i = 0; i < whole; i++) *p++ = digits[i];
        *p++ = (byte)'.';
        if (k == 0) { *p++ = (byte)'0'; return p; }
        for (int z = whole; z < 0; z++) *p++ = (byte)'0';
        for (int i = Math.Max(whole, 0); i < n; i++) *p++ = digits[i];
        return p;
    }

    /// <summary>Python's float repr: shortest round-trip digits, exponent form when the point is before -4 or after 16.</summary>
    public static void Float(ref ValueText w, double v)
    {
        if (FewDecimals(v, out long m, out int k) && w.Room >= 24) { w.EndAscii(WriteFewDecimals(w.BeginAscii(out _), v < 0, m, k)); return; }
        if (double.IsNaN(v)) { w.Ascii("nan"u8); return; }
        if (double.IsInfinity(v)) { w.Ascii(v > 0 ? "inf"u8 : "-inf"u8); return; }
        Span<byte> text = stackalloc byte[40];
        // "R" gives the shortest round-trip digits; only their layout differs from Python's.
        if (!v.TryFormat(text, out int n, "R", CultureInfo.InvariantCulture)) return;
        Span<byte> digits = stackalloc byte[24];
        int nd = 0, exponent = 0, pointAt = -1, i = 0;
        bool negative = text[0] == '-';
        if (negative) i++;
        for (; i < n; i++)
        {
            byte c = text[i];
            if (c == '.') pointAt = nd;
            else if (c == 'E') { exponent = int.Parse(text[(i + 1)..n], CultureInfo.InvariantCulture); break; }
            else digits[nd++] = c;
        }
        if (pointAt < 0) pointAt = nd;
        // Normalize: strip leading zeros (0.001 -> digits "1" with the point moved), then trailing zeros.
        int lead = 0;
        while (lead < nd - 1 && digits[lead] == '0') { lead++; }
        int decpt = pointAt - lead + exponent;
        var d = digits[lead..nd];
        int len = d.Length;
        while (len > 1 && d[len - 1] == '0') len--;
        d = d[..len];
        if (d.Length == 1 && d[0] == '0') decpt = 1;
        if (negative) w.Ascii((byte)'-');
        if (decpt <= -4 || decpt > 16)
        {
            w.Ascii(d[0]);
            if (d.Length > 1) { w.Ascii((byte)'.'); w.Ascii(d[1..]); }
            int e = decpt - 1;
            w.Ascii((byte)'e');
            w.Ascii(e < 0 ? (byte)'-' : (byte)'+');
            if (e < 0) e = -e;
            if (e < 10) w.Ascii((byte)'0');
            w.Decimal(e);
        }
        else if (decpt <= 0)
        {
            w.Ascii("0."u8);
            for (int z = 0; z < -decpt; z++) w.Ascii((byte)'0');
            w.Ascii(d);
        }
        else if (decpt >= d.Length)
        {
            w.Ascii(d);
            for (int z = d.Length; z < decpt; z++) w.Ascii((byte)'0');
            w.Ascii(".0"u8);
        }
        else
        {
            w.Ascii(d[..decpt]);
            w.Ascii((byte)'.');
            w.Ascii(d[decpt..]);
        }
    }

    /// <summary>
    /// How far repr's choice of quote is looked for. Python scans the whole text; pytrace scans its first 64 Ki
    /// characters (about 2 us at most, vectorized; a whole 10 MB text would cost 35 us a call). Past that, a text with '
    /// but no " before the limit is taken to have no " after it.
    /// </summary>
    private const int QuoteScanLimit = 1 << 16;

    /// <summary>repr() of a str; a short plain ASCII one (the usual key or name) is copied straight into the text.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Str(ref ValueText w, nint o)
    {
        if (PyStr.CompactAscii(o, out byte* data, out long length) && length <= 128)
        {
            byte* p = w.BeginAscii(out int room);
            if (length + 2 <= room)
            {
                // room counts characters; the buffer holds 4 bytes of each, so 4 or more leave the vector its 17 bytes
                byte* end = room >= 4 ? QuotedShortAscii(p, data, length) : null;
                if (end == null && PlainAscii(data, length)) end = QuotedAscii(p, data, length);
                if (end != null) { w.EndAscii(end); return; }
            }
        }
        AnyStr(ref w, o);
    }

    /// <summary>
    /// The repr of a compact ASCII str under 16 characters with nothing to escape, at <paramref name="p"/> (17 bytes
    /// are written): its end, or null for any other str. For a record's value, where most strs are names and short
    /// words, without a <see cref="ValueText"/> around it; the caller knows the limit leaves room for 17 characters.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* ShortStr(byte* p, nint o) =>
        PyStr.CompactAscii(o, out byte* data, out long length) ? QuotedShortAscii(p, data, length) : null;

    /// <summary>
    /// A plain ASCII text under 16 bytes, quoted at <paramref name="p"/> (17 bytes are written): checked and copied
    /// as one vector instead of byte by byte, most strs being names and short words. Null when it is not plain, or
    /// when the 16 bytes read would cross into the next page, which may not be mapped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte* QuotedShortAscii(byte* p, byte* data, long length)
    {
        if (length >= 16 || !Vector128.IsHardwareAccelerated || ((nuint)data & 4095) > 4096 - 16) return null;
        var v = Vector128.Load(data);
        var lanes = Vector128.Create((byte)0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        var shown = Vector128.LessThan(lanes, Vector128.Create((byte)length));
        if ((Unplain(v) & shown) != Vector128<byte>.Zero) return null;
        *p = (byte)'\'';
        Vector128.Store(v, p + 1);
        p[1 + length] = (byte)'\'';
        return p + 2 + length;
    }

    /// <summary>Plain ASCII in single quotes, its repr, at <paramref name="p"/> (room for length + 2); returns the end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* QuotedAscii(byte* p, byte* data, long length)
    {
        *p++ = (byte)'\'';
        if (length > 16) Buffer.MemoryCopy(data, p, length, length);
        else for (long i = 0; i < length; i++) p[i] = data[i];
        p += length;
        *p++ = (byte)'\'';
        return p;
    }

    private static void AnyStr(ref ValueText w, nint o)
    {
        if (!PyStr.Read(o, out var view)) { w.Ascii("<str>"u8); return; }
        if (view.IsUtf8) { Utf8Repr(ref w, view.Data, (int)view.Length); return; }
        // At most one character past the room is needed: that one marks the text cut.
        long shown = Math.Min(view.Length, w.Room + 1L);
        bool plain = view.Kind == 1 && PlainAscii(view.Data, shown);
        // A plain text seen whole has no quote in it: repr puts it in single quotes, no scan needed.
        byte quote = plain && shown == view.Length ? (byte)'\'' : QuoteFor(view);
        if (plain && quote == '\'')
        {
            w.Ascii((byte)'\'');
            w.Ascii(new ReadOnlySpan<byte>(view.Data, (int)shown));
            w.Ascii((byte)'\'');
            return;
        }
        w.Ascii(quote);
        for (long i = 0; i < view.Length && !w.Full; i++) Escaped(ref w, view[i], quote);
        w.Ascii(quote);
    }

    /// <summary>repr's quote: ' unless the text holds ' and no ".</summary>
    private static byte QuoteFor(PyStr.View view)
    {
        int n = (int)Math.Min(view.Length, QuoteScanLimit);
        bool single, dbl;
        switch (view.Kind)
        {
            case 1:
                var bytes = new ReadOnlySpan<byte>(view.Data, n);
                single = bytes.Contains((byte)'\'');
                dbl = single && bytes.Contains((byte)'"');
                break;
            case 2:
                var shorts = new ReadOnlySpan<ushort>(view.Data, n);
                single = shorts.Contains((ushort)'\'');
                dbl = single && shorts.Contains((ushort)'"');
                break;
            default:
                var ints = new ReadOnlySpan<uint>(view.Data, n);
                single = ints.Contains((uint)'\'');
                dbl = single && ints.Contains((uint)'"');
                break;
        }
        return single && !dbl ? (byte)'"' : (byte)'\'';
    }

    /// <summary>Printable ASCII with no quote or backslash: its repr is the text in single quotes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool PlainAscii(byte* data, long length)
    {
        if (length >= 16 && Vector128.IsHardwareAccelerated) return PlainAsciiWide(data, length);
        for (long i = 0; i < length; i++)
        {
            byte c = data[i];
            if (c < 0x20 || c >= 0x7F || c == '\'' || c == '\\') return false;
        }
        return true;
    }

    /// <summary><see cref="PlainAscii"/> 16 bytes at a time, the last 16 overlapping: a 100-character text costs a few nanoseconds, not a hundred.</summary>
    private static bool PlainAsciiWide(byte* data, long length)
    {
        for (long i = 0; i + 16 <= length; i += 16)
            if (!Plain16(Vector128.Load(data + i))) return false;
        return Plain16(Vector128.Load(data + length - 16));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Plain16(Vector128<byte> v) => Unplain(v) == Vector128<byte>.Zero;

    /// <summary>Per byte, all ones where it is not plain: outside the printable range, a quote or a backslash.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Unplain(Vector128<byte> v)
    {
        // one unsigned compare finds both ends of the printable range: c - 0x20 > 0x5E for c < 0x20 and c >= 0x7F
        var outside = Vector128.GreaterThan(v - Vector128.Create((byte)0x20), Vector128.Create((byte)0x5E));
        var escaped = Vector128.Equals(v, Vector128.Create((byte)'\'')) | Vector128.Equals(v, Vector128.Create((byte)'\\'));
        return outside | escaped;
    }

    private static void Utf8Repr(ref ValueText w, byte* data, int length)
    {
        var span = new ReadOnlySpan<byte>(data, length);
        byte quote = BytesQuote(span);
        w.Ascii(quote);
        while (!span.IsEmpty && !w.Full)
        {
            Rune.DecodeFromUtf8(span, out Rune r, out int used);
            Escaped(ref w, r.Value, quote);
            span = span[used..];
        }
        w.Ascii(quote);
    }

    private static void Escaped(ref ValueText w, int c, byte quote)
    {
        if (c == quote || c == '\\') { w.Ascii((byte)'\\'); w.Ascii((byte)c); return; }
        if (c >= 0x20 && c < 0x7F) { w.Ascii((byte)c); return; }
        switch (c)
        {
            case '\t': w.Ascii("\\t"u8); return;
            case '\n': w.Ascii("\\n"u8); return;
            case '\r': w.Ascii("\\r"u8); return;
        }
        if (c >= 0x80 && IsPrintable(c)) { w.CodePoint(c); return; }
        if (c < 0x100) { w.Ascii("\\x"u8); w.Hex((ulong)c, 2); }
        else if (c < 0x10000) { w.Ascii("\\u"u8); w.Hex((ulong)c, 4); }
        else { w.Ascii("\\U"u8); w.Hex((ulong)c, 8); }
    }

    /// <summary>str.isprintable() for one code point: not a control, format, surrogate, private, unassigned or non-space separator.</summary>
    private static bool IsPrintable(int c)
    {
        if (c >= 0xD800 && c <= 0xDFFF) return false;
        var category = CharUnicodeInfo.GetUnicodeCategory(c);
        return category switch
        {
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
                or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.SpaceSeparator => false,
            _ => true,
        };
    }

    public static void Bytes(ref ValueText w, nint o) => Bytes(ref w, (byte*)(o + 32), Py.VarSize(o), escapeSingle: false);

    /// <summary>The b'...' inside a bytearray's repr, which escapes ' even between double quotes.</summary>
    public static void ByteArrayBytes(ref ValueText w, nint o) => Bytes(ref w, *(byte**)(o + 40), Py.VarSize(o), escapeSingle: true); // ob_start

    private static void Bytes(ref ValueText w, byte* data, long length, bool escapeSingle)
    {
        byte quote = BytesQuote(new ReadOnlySpan<byte>(data, (int)Math.Min(length, QuoteScanLimit)));
        w.Ascii((byte)'b');
        w.Ascii(quote);
        for (long i = 0; i < length && !w.Full; i++)
        {
            byte c = data[i];
            if (c == quote || c == '\\' || (escapeSingle && c == '\'')) { w.Ascii((byte)'\\'); w.Ascii(c); }
            else if (c == '\t') w.Ascii("\\t"u8);
            else if (c == '\n') w.Ascii("\\n"u8);
            else if (c == '\r') w.Ascii("\\r"u8);
            else if (c < 0x20 || c >= 0x7F) { w.Ascii("\\x"u8); w.Hex(c, 2); }
            else w.Ascii(c);
        }
        w.Ascii(quote);
    }

    private static byte BytesQuote(ReadOnlySpan<byte> data)
    {
        bool single = data.Contains((byte)'\'');
        return single && !data.Contains((byte)'"') ? (byte)'"' : (byte)'\'';
    }

    /// <summary>The text of a str (not its repr), cut to the limit.</summary>
    public static void CopyStr(ref ValueText w, nint s)
    {
        if (!PyStr.Read(s, out var view)) return;
        if (view.IsUtf8) { w.Utf8(view.Data, (int)view.Length); return; }
        for (long i = 0; i < view.Length && !w.Full; i++) w.CodePoint(view[i]);
    }
}
