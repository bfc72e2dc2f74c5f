using System.Runtime.CompilerServices;
using Pytrace.Generator.Interop;

namespace Pytrace.Generator.Formatting;

/// <summary>
/// Reads small ints (up to two 30-bit digits) straight from the object: 3.12+ keep sign and digit count in
/// lv_tag, older versions in ob_size. Checked at import against PyLong_AsLongLong; off when it disagrees.
/// </summary>
internal static unsafe class PyInt
{
    private static bool s_tagged, s_ok;

    /// <summary>The cached ints -5..256 when they lie evenly spaced in one block (checked here): an object in it is known by its address.</summary>
    private static nint s_smallFirst, s_smallStride;
    private static int s_smallShift;
    private const int SmallMin = -5, SmallMax = 256;

    public static void Initialize(int minor)
    {
        if (s_smallTexts == null) s_smallTexts = MakeSmallTexts();
        FindSmallInts();
        s_tagged = minor >= 12;
        s_ok = true;
        foreach (long v in (long[])[0, 1, -1, 7, 1 << 29, (1L << 30) + 5, -(1L << 40), (1L << 59) + 3, -123456789012])
        {
            nint o = Py.LongFromLongLong(v);
            s_ok &= TryRead(o, out long read) ? read == v : Math.Abs(v) >= 1L << 60;
            Py.DecRef(o);
        }
    }

    /// <summary>
    /// The interpreter never frees its cached small ints. When all of them lie evenly spaced, every object address in
    /// that block is one of them, and its index tells its value without reading the object.
    /// </summary>
    private static void FindSmallInts()
    {
        s_smallFirst = s_smallStride = 0;
        nint first = Py.LongFromLongLong(SmallMin), second = Py.LongFromLongLong(SmallMin + 1);
        nint stride = second - first;
        bool even = stride >= 24 && System.Numerics.BitOperations.IsPow2((ulong)stride); // found by a shift, not a division
        for (long v = SmallMin; even && v <= SmallMax; v++)
        {
            nint o = Py.LongFromLongLong(v);
            even = o == first + (nint)(v - SmallMin) * stride;
            Py.DecRef(o);
        }
        Py.DecRef(first);
        Py.DecRef(second);
        nint beyond = Py.LongFromLongLong(SmallMax + 1), again = Py.LongFromLongLong(SmallMax + 1);
        even &= beyond != again; // ints past the cache are made anew: the cache really ends there
        Py.DecRef(beyond);
        Py.DecRef(again);
        if (even) { s_smallFirst = first; s_smallStride = stride; s_smallShift = System.Numerics.BitOperations.Log2((ulong)stride); }
    }

    /// <summary>The text of each cached small int ("-5" to "256": at most 3 characters) in the low bytes, its length in the high one.</summary>
    private static uint* s_smallTexts;

    private static uint* MakeSmallTexts()
    {
        var texts = (uint*)System.Runtime.InteropServices.NativeMemory.Alloc(SmallMax - SmallMin + 1, sizeof(uint));
        byte* digits = stackalloc byte[8];
        for (int v = SmallMin; v <= SmallMax; v++)
        {
            int length = (int)(ValueText.WriteDecimal(digits, v) - digits);
            uint text = 0;
            for (int i = 0; i < length; i++) text |= (uint)digits[i] << (8 * i);
            texts[v - SmallMin] = text | (uint)length << 24;
        }
        return texts;
    }

    /// <summary>Writes the text of the cached small int of <paramref name="index"/> at <paramref name="p"/>, which has room for 4 bytes (all 4 are written); returns the text's end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* WriteSmall(byte* p, int index)
    {
        uint text = s_smallTexts[index];
        *(uint*)p = text;
        return p + (int)(text >> 24);
    }

    /// <summary>The length of the text of the cached small int of <paramref name="index"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SmallLength(int index) => (int)(s_smallTexts[index] >> 24);

    /// <summary>The index (0 for -5) of a cached small int known by its address alone, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SmallIndex(nint o)
    {
        ulong offset = (ulong)(o - s_smallFirst);
        if (s_smallStride == 0 || offset > (ulong)((SmallMax - SmallMin) * s_smallStride)) return -1;
        return (int)(offset >> s_smallShift);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRead(nint o, out long value)
    {
        value = 0;
        if (!s_ok) return false;
        long digits;
        bool negative;
        if (s_tagged)
        {
            ulong tag = *(ulong*)(o + 16);
            digits = (long)(tag >> 3);
            negative = (tag & 3) == 2;
        }
        else
        {
            long size = *(long*)(o + 16);
            digits = Math.Abs(size);
            negative = size < 0;
        }
        uint* d = (uint*)(o + 24);
        long magnitude;
        if (digits == 0) magnitude = 0;
        else if (digits == 1) magnitude = d[0];
        else if (digits == 2) magnitude = d[0] | ((long)d[1] << 30);
        else return false;
        value = negative ? -magnitude : magnitude;
        return true;
    }
}
