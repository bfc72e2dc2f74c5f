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

    /// <summary>
    /// The cached ints -5..256 when they lie evenly spaced in a few runs (one on most versions; 3.9 allocates them in
    /// three): an object in a run is known by its address. The first run is checked inline, the others after it.
    /// </summary>
    private static nint s_smallFirst = -1; // none: no address is 1 byte short of 0
    private static ulong s_firstRunSpan;
    private static int s_smallShift;
    private const int SmallMin = -5, SmallMax = 256, MaxRuns = 4;
    /// <summary>The runs after the first: address of their first int, its index, and the run's span in bytes.</summary>
    private static readonly nint[] s_runFirst = new nint[MaxRuns];
    private static readonly int[] s_runIndex = new int[MaxRuns];
    private static readonly ulong[] s_runSpan = new ulong[MaxRuns];
    private static int s_moreRuns;

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
    /// The interpreter never frees its cached small ints. Where they lie evenly spaced, every object address in such
    /// a run is one of them, and its place in the run tells its value without reading the object.
    /// </summary>
    private static void FindSmallInts()
    {
        s_smallFirst = -1;
        s_firstRunSpan = 0;
        s_moreRuns = 0;
        const int count = SmallMax - SmallMin + 1;
        var address = new nint[count]; // once, at import
        for (int i = 0; i < count; i++)
        {
            address[i] = Py.LongFromLongLong(SmallMin + i);
            Py.DecRef(address[i]);
        }
        nint stride = address[1] - address[0];
        nint beyond = Py.LongFromLongLong(SmallMax + 1), again = Py.LongFromLongLong(SmallMax + 1);
        bool cached = beyond != again; // ints past the cache are made anew: the cache really ends there
        Py.DecRef(beyond);
        Py.DecRef(again);
        if (!cached || stride < 24 || !System.Numerics.BitOperations.IsPow2((ulong)stride)) return; // found by a shift, not a division
        var runs = new List<(int Start, int End)>();
        for (int start = 0, i = 1; i <= count; i++)
        {
            if (i < count && address[i] == address[i - 1] + stride) continue;
            runs.Add((start, i));
            start = i;
        }
        if (runs.Count > MaxRuns + 1) return;
        s_smallShift = System.Numerics.BitOperations.Log2((ulong)stride);
        for (int r = 1; r < runs.Count; r++)
        {
            s_runFirst[r - 1] = address[runs[r].Start];
            s_runIndex[r - 1] = runs[r].Start;
            s_runSpan[r - 1] = (ulong)((runs[r].End - 1 - runs[r].Start) * stride);
        }
        s_moreRuns = runs.Count - 1;
        s_firstRunSpan = (ulong)((runs[0].End - 1) * stride);
        s_smallFirst = address[0];
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
        if (offset <= s_firstRunSpan) return (int)(offset >> s_smallShift);
        return s_moreRuns == 0 ? -1 : SmallIndexInLaterRuns(o);
    }

    private static int SmallIndexInLaterRuns(nint o)
    {
        for (int r = 0; r < s_moreRuns; r++)
        {
            ulong offset = (ulong)(o - s_runFirst[r]);
            if (offset <= s_runSpan[r]) return s_runIndex[r] + (int)(offset >> s_smallShift);
        }
        return -1;
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
