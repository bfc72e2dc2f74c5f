using System.Runtime.CompilerServices;
using Pytrace.Generator.Interop;

namespace Pytrace.Generator.Formatting;

/// <summary>
/// Reads str objects in place (PEP 393 layout: kind 1/2/4 code units, compact or not), checked at import
/// against known strings; when the check fails every read goes through PyUnicode_AsUTF8AndSize instead.
/// </summary>
internal static unsafe class PyStr
{
    private static int s_asciiHeader, s_compactHeader;
    private static bool s_layoutOk, s_hasReadyBit;

    public static void Initialize(int minor)
    {
        s_asciiHeader = minor >= 12 ? 40 : 48;
        s_compactHeader = minor >= 12 ? 56 : 72;
        s_hasReadyBit = minor <= 11;
        s_layoutOk = true;
        s_layoutOk = Check("abc", [0x61, 0x62, 0x63]) && Check("h\u00e9", [0x68, 0xE9])
            && Check("\u65e5\u672c", [0x65E5, 0x672C]) && Check("\U0001F600", [0x1F600]);
    }

    private static bool Check(string text, int[] expected)
    {
        nint s = Py.NewString(text);
        bool ok = Read(s, out var view) && view.Length == expected.Length;
        for (int i = 0; ok && i < expected.Length; i++) ok = view[i] == expected[i];
        Py.DecRef(s);
        return ok;
    }

    /// <summary>A view of a str's code points.</summary>
    public readonly struct View(byte* data, int kind, long length)
    {
        public readonly long Length = length;
        public int this[long i] => kind switch
        {
            1 => data[i],
            2 => ((ushort*)data)[i],
            4 => (int)((uint*)data)[i],
            _ => Utf8At(i),
        };

        // kind 0: UTF-8 fallback, addressed by byte; only used for sequential reads via Utf8Bytes.
        private int Utf8At(long i) => data[i];
        public bool IsUtf8 => kind == 0;
        public int Kind => kind;
        public byte* Data => data;
    }

    /// <summary>The bytes of a compact ASCII str (most names and keys), read without any other check; false otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool CompactAscii(nint s, out byte* data, out long length)
    {
        uint state = *(uint*)(s + 32);
        // compact (bit 5) and ascii (bit 6), and ready (bit 7) where there is one: kind is then 1
        uint wanted = s_hasReadyBit ? 0xE0u : 0x60u;
        data = (byte*)(s + s_asciiHeader);
        length = *(long*)(s + 16);
        return s_layoutOk && (state & wanted) == wanted;
    }

    public static bool Read(nint s, out View view)
    {
        if (s_layoutOk)
        {
            uint state = *(uint*)(s + 32);
            bool ready = !s_hasReadyBit || ((state >> 7) & 1) != 0;
            if (ready)
            {
                int kind = (int)((state >> 2) & 7);
                bool compact = ((state >> 5) & 1) != 0, ascii = ((state >> 6) & 1) != 0;
                byte* data = compact ? (byte*)(s + (ascii ? s_asciiHeader : s_compactHeader)) : *(byte**)(s + s_compactHeader);
                if (data != null && (kind == 1 || kind == 2 || kind == 4))
                {
                    view = new View(data, kind, *(long*)(s + 16));
                    return true;
                }
            }
        }
        nint size;
        byte* utf8 = Py.UnicodeAsUtf8AndSize(s, &size);
        if (utf8 == null) { Py.ErrClear(); view = default; return false; }
        view = new View(utf8, 0, size);
        return true;
    }
}
