using Pytrace.Generator.Interop;

namespace Pytrace.Generator.Formatting;

/// <summary>
/// The entry arrays of dicts (combined tables) and sets, read in place. PyDict_Next and _PySet_NextEntry skip the
/// deleted slots one by one, so a dict that once held millions of items and now holds ten costs milliseconds a
/// value; read here, the formatter can stop after a bounded number of empty slots. The layouts (3.8-3.10:
/// Objects/dict-common.h, 3.11+: pycore_dict.h; setobject.h) are checked at import against the C API's own
/// iteration; when they disagree the formatter uses the C API.
/// </summary>
internal static unsafe class HashTables
{
    private static bool s_dicts, s_sets, s_versions;
    private static bool s_log2Keys;
    private static nint s_setDummy;

    /// <summary>A table's slots: live ones have a non-null value (dict) or a key that is neither null nor the dummy (set).</summary>
    public readonly struct Slots(byte* first, long count, int stride, int keyOffset, int valueOffset, bool set = false)
    {
        public readonly long Count = count;
        public readonly bool IsSet = set;
        public nint Key(long i) => *(nint*)(first + i * stride + keyOffset);
        public nint Value(long i) => *(nint*)(first + i * stride + valueOffset);
        public bool IsLive(long i) => IsSet ? Key(i) != 0 && Key(i) != s_setDummy : Value(i) != 0;
    }

    public static void Initialize(int minor)
    {
        s_log2Keys = minor >= 11;
        s_setDummy = Py.Optional("_PySet_Dummy") is var dummy and not 0 ? *(nint*)dummy : 0;
        s_dicts = true;
        s_sets = s_setDummy != 0;
        s_dicts = CheckDict("{'a': 1, 'b': 2, 'gone': 0, 'c': None}") && CheckDict("{1: 'x', 'b': 2, 'gone': 3.5, (4,): 5}");
        s_sets = s_sets && CheckSet("{1, 'b', 'gone', (3,), 4.5}");
        s_versions = s_dicts && CheckVersions();
    }

    /// <summary>
    /// The version tag of a dict's combined table (ma_version_tag, PEP 509; kept up to 3.13): the interpreter gives
    /// every new dict and every change of one a new number from one counter, so two readings of a dict with the same
    /// tag see the same keys and values, the same objects. False for a split table or when the check at import failed.
    /// </summary>
    public static bool DictVersion(nint dict, out ulong version)
    {
        version = Tag(dict);
        return s_versions && *(nint*)(dict + 40) == 0;
    }

    private static ulong Tag(nint dict) => *(ulong*)(dict + 24);

    // Every change a program can make to a dict gives it another tag, and a new dict's differs from the old one's.
    private static bool CheckVersions()
    {
        nint globals = Py.DictNew();
        nint d = Made(globals, "v = {'a': 1, 'b': 2}");
        bool changes = d != 0;
        ulong before = changes ? Tag(d) : 0;
        string[] steps = ["v['a'] = 3", "v.setdefault('c', 4)", "del v['c']", "v.update(x=1)", "v.pop('x')", "v.update({'y': 2})",
            "v.popitem()", "v.clear()", "v = {'a': 1, 'b': 2}"];
        foreach (var step in steps)
        {
            if (!changes) break;
            if ((d = Made(globals, step)) == 0) { changes = false; break; }
            ulong after = Tag(d);
            changes = after != before;
            before = after;
        }
        Py.DecRef(globals);
        return changes;
    }

    /// <summary>The slots of a dict's combined table; false for a split table (an instance's __dict__) or an unchecked layout.</summary>
    public static bool DictSlots(nint dict, out Slots slots)
    {
        slots = default;
        if (!s_dicts || *(nint*)(dict + 40) != 0) return false; // ma_values: a split table
        byte* keys = *(byte**)(dict + 32);
        if (s_log2Keys)
        {
            byte kind = keys[10];
            if (kind > 1) return false;
            byte* entries = keys + 32 + (1L << keys[9]);
            long count = *(long*)(keys + 24);
            slots = kind == 1 ? new Slots(entries, count, 16, 0, 8) : new Slots(entries, count, 24, 8, 16);
        }
        else
        {
            long size = *(long*)(keys + 8);
            int indexBytes = size <= 0xff ? 1 : size <= 0xffff ? 2 : size <= 0xffffffffL ? 4 : 8;
            slots = new Slots(keys + 40 + size * indexBytes, *(long*)(keys + 32), 24, 8, 16);
        }
        return true;
    }

    /// <summary>The slots of a set's table (mask + 1 of them).</summary>
    public static bool SetSlots(nint set, out Slots slots)
    {
        slots = s_sets ? new Slots(*(byte**)(set + 40), *(long*)(set + 32) + 1, 16, 0, 0, set: true) : default;
        return s_sets;
    }

    // The dict made by SOURCE, minus its 'gone' entry (a deleted slot), read both ways.
    private static bool CheckDict(string source)
    {
        nint globals = Py.DictNew();
        nint d = Made(globals, $"v = {source}\nv.pop('gone')");
        var expected = new List<(nint, nint)>();
        var read = new List<(nint, nint)>();
        if (d != 0)
        {
            nint pos = 0, key, value;
            while (Py.DictNext(d, &pos, &key, &value) != 0) expected.Add((key, value));
            if (DictSlots(d, out var slots))
                for (long i = 0; i < slots.Count; i++)
                    if (slots.IsLive(i)) read.Add((slots.Key(i), slots.Value(i)));
        }
        Py.DecRef(globals);
        return expected.Count == 3 && read.SequenceEqual(expected);
    }

    private static bool CheckSet(string source)
    {
        nint globals = Py.DictNew();
        nint s = Made(globals, $"v = {source}\nv.remove('gone')");
        var expected = new List<nint>();
        var read = new List<nint>();
        if (s != 0 && Py.SetNextEntry != null)
        {
            nint pos = 0, key;
            long hash;
            while (Py.SetNextEntry(s, &pos, &key, &hash) != 0) expected.Add(key);
            if (SetSlots(s, out var slots))
                for (long i = 0; i < slots.Count; i++)
                    if (slots.IsLive(i)) read.Add(slots.Key(i));
        }
        Py.DecRef(globals);
        return expected.Count == 4 && read.SequenceEqual(expected);
    }

    // v after running SOURCE in GLOBALS (borrowed from them), or 0.
    private static nint Made(nint globals, string source)
    {
        if (!Py.Exec(source, globals)) return 0;
        fixed (byte* name = "v\0"u8) return Py.DictGetItemString(globals, name);
    }
}
