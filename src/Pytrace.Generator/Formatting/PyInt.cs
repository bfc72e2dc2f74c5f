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

    public static void Initialize(int minor)
    {
        s_tagged = minor >= 12;
        s_ok = true;
        foreach (long v in (long[])[0, 1, -1, 7, 1 << 29, (1L << 30) + 5, -(1L << 40), (1L << 59) + 3, -123456789012])
        {
            nint o = Py.LongFromLongLong(v);
            s_ok &= TryRead(o, out long read) ? read == v : Math.Abs(v) >= 1L << 60;
            Py.DecRef(o);
        }
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
