using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Pytrace.Generator.Interop;
using Pytrace.Generator.Tracing;
using Pytrace.Records;

namespace Pytrace.Generator.Formatting;

/// <summary>
/// The text last written for a list, tuple or dict whose shown items are plain scalars (exact int, float, bool,
/// None, ASCII str) or empty lists, tuples and dicts (a graph's adjacency, <c>{1: {}, 5: {}}</c>), kept by the
/// container's address. Programs pass the same containers over and over, and
/// formatting their items is most of what an argument costs. A kept text is used again only when the container's
/// signature is the same: its type, its size and, for every item its text can show, the item's type and value
/// (the int, the float's bits, the str's characters). The text is a function of exactly that, so it is never
/// stale, whatever was freed, changed or made at the same addresses in between; reading values is much cheaper
/// than writing their repr.
/// </summary>
internal static unsafe class ContainerTexts
{
    private const int Slots = KeptValues.Slots;
    /// <summary>Above this value limit the signatures and texts kept would cost more than they save.</summary>
    private const int MaxLimit = 1000;
    /// <summary>A longer str item makes its container's text not kept (it would be cut in the text anyway).</summary>
    private const int MaxStrItem = 128;
    private const int MaxSignature = 2048;

    [StructLayout(LayoutKind.Sequential)]
    private struct Entry
    {
        public nint Container, Type;
        public int SignatureLength, TextLength;
        /// <summary>The ring epoch whose KeptValue record holds this text (0: none yet), so that a record may name it by its slot.</summary>
        public uint DefinedEpoch;
        /// <summary>Texts of this address found stale in a row: past a few, only one sighting in 32 is remembered.</summary>
        public int Misses;
        public long LastUse;
        /// <summary>A dict's version tag when its text was known right (<see cref="HashTables.DictVersion"/>); 0: none.</summary>
        public ulong Version;
        /// <summary>A dict's items that are empty containers, their pointers kept: filling one changes the text but not
        /// the dict's tag, so the tag holds only while each of them is still empty.</summary>
        public int NestedItems;
        /// <summary>A list's or tuple's items its text can show, when every one is immortal (a cached small int, None, True, False): their pointers are kept; 0: none.</summary>
        public int ImmortalItems;
    }

    private static byte* s_table, s_current;
    private static int s_slotSize, s_textMax, s_pointersMax;
    /// <summary>The value limit in characters: an item starting past it never shows.</summary>
    private static int s_limit;
    /// <summary>Slots of a dict's table walked at most: a dict of the limit's items (6 characters each, "1: 2, "), twice.</summary>
    private static int s_dictSlots;

    public static bool Enabled => s_table != null;

    /// <summary>Sizes the table for a value limit (or switches it off): every kept text is forgotten.</summary>
    public static void Initialize(int limit, bool fullRepr)
    {
        NativeMemory.Free(s_table);
        NativeMemory.Free(s_current);
        s_table = s_current = null;
        if (fullRepr || limit > MaxLimit) return; // under --repr full, dicts are read through PyDict_Next only
        s_limit = limit;
        s_dictSlots = 2 * (limit / 6 + 2); // a table with more deleted slots among the items it can show is not kept
        s_textMax = 4 * limit + 4;
        s_pointersMax = limit / 3 + 2; // items of at least one character and ", "
        s_slotSize = (sizeof(Entry) + MaxSignature + s_textMax + 7 & ~7) + s_pointersMax * sizeof(nint);
        s_table = (byte*)NativeMemory.AllocZeroed((nuint)(s_slotSize * Slots));
        s_current = (byte*)NativeMemory.Alloc(MaxSignature);
    }

    /// <summary>
    /// A container may sit in either slot of its pair, so that two containers passed together whose addresses share
    /// a slot do not push each other out at every call.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Home(nint o) => (int)(((ulong)o >> 4) * 0x9E3779B97F4A7C15UL >> (64 - KeptValues.SlotBits)) & (Slots - 2);

    private static Entry* At(int slot) => (Entry*)(s_table + slot * s_slotSize);

    /// <summary>The slot holding <paramref name="o"/>'s text, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SlotHolding(nint o)
    {
        int home = Home(o);
        return At(home)->Container == o ? home : At(home + 1)->Container == o ? home + 1 : -1;
    }

    /// <summary>Where a text of <paramref name="o"/> goes: its own slot, else the pair's least recently used one.</summary>
    private static int SlotFor(nint o)
    {
        int held = SlotHolding(o);
        if (held >= 0) return held;
        int home = Home(o);
        return At(home)->LastUse <= At(home + 1)->LastUse ? home : home + 1;
    }

    private static long s_uses;

    /// <summary>The kept text of a slot.</summary>
    public static ReadOnlySpan<byte> Text(int slot) => new(KeptText(At(slot)), At(slot)->TextLength);

    public static bool IsDefined(int slot, uint epoch) => At(slot)->DefinedEpoch == epoch;

    public static void MarkDefined(int slot, uint epoch) => At(slot)->DefinedEpoch = epoch;

    private static byte* KeptSignature(Entry* e) => (byte*)(e + 1);

    private static byte* KeptText(Entry* e) => (byte*)(e + 1) + MaxSignature;

    private static nint* KeptPointers(Entry* e) => (nint*)((byte*)e + s_slotSize - s_pointersMax * sizeof(nint));

    /// <summary>The slot whose kept text is the text of <paramref name="o"/> (its signature is unchanged), or -1.</summary>
    public static int Find(nint o, TypeKind kind)
    {
        int slot = SlotHolding(o);
        if (slot < 0) return -1;
        Entry* e = At(slot);
        if (e->Type != Py.TypeOf(o) || e->TextLength == 0) return -1;
        // A dict with the tag it had is unchanged: its signature, a read of every item shown, is not needed.
        ulong version = 0;
        bool versioned = kind == TypeKind.Dict && HashTables.DictVersion(o, out version);
        if (versioned && version == e->Version && version != 0 && NestedStillEmpty(e)) return Hit(e, slot);
        // Immortal items are never freed: the same pointers are the same values, with no need to read them. Other
        // immortal items are other values, and another size another signature: misses known without a signature (a
        // tuple made afresh at each yield where the last one was freed).
        if (e->ImmortalItems > 0)
        {
            if (Py.VarSize(o) != *(long*)KeptSignature(e)) { e->Misses++; return -1; } // the size opens the signature
            var items = new ReadOnlySpan<nint>(Items(o, kind), e->ImmortalItems);
            if (items.SequenceEqual(new ReadOnlySpan<nint>(KeptPointers(e), e->ImmortalItems))) return Hit(e, slot);
            if (AllImmortal(items)) { e->Misses++; return -1; }
        }
        int length = Signature(o, kind, s_current, out _, out _, out bool nested);
        if (length != e->SignatureLength
            || !new ReadOnlySpan<byte>(s_current, length).SequenceEqual(new ReadOnlySpan<byte>(KeptSignature(e), length)))
        {
            e->Misses++;
            return -1;
        }
        KeepVersion(e, o, versioned ? version : 0, nested);
        return Hit(e, slot);
    }

    /// <summary>Keeps a dict's tag (0: none), with the pointers of its empty containers when it holds some; no tag when they do not fit.</summary>
    private static void KeepVersion(Entry* e, nint o, ulong version, bool nested)
    {
        e->NestedItems = 0;
        e->Version = version != 0 && (!nested || KeepEmptyItems(e, o)) ? version : 0;
    }

    private static bool KeepEmptyItems(Entry* e, nint o)
    {
        if (!HashTables.DictSlots(o, out var slots)) return false;
        nint* kept = KeptPointers(e);
        long used = *(long*)(o + 16), live = 0; // ma_used
        for (long i = 0; i < slots.Count && i < s_dictSlots && live < used; i++)
        {
            if (!slots.IsLive(i)) continue;
            live++;
            foreach (nint x in (ReadOnlySpan<nint>)[slots.Key(i), slots.Value(i)])
            {
                if (EmptyTag(x) == 0) continue;
                if (e->NestedItems == s_pointersMax) { e->NestedItems = 0; return false; }
                kept[e->NestedItems++] = x;
            }
        }
        return true;
    }

    /// <summary>The kept empty containers of a dict whose tag is unchanged (so it still holds them) are all still empty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool NestedStillEmpty(Entry* e)
    {
        nint* kept = KeptPointers(e);
        for (int i = 0; i < e->NestedItems; i++)
            if (*(long*)(kept[i] + 16) != 0) return false; // ma_used, or ob_size
        return true;
    }

    private static bool AllImmortal(ReadOnlySpan<nint> items)
    {
        foreach (nint x in items)
            if (!IsImmortal(x)) return false;
        return true;
    }

    /// <summary>A cached small int or a singleton: known by its address, never freed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsImmortal(nint x) => PyInt.SmallIndex(x) >= 0 || x == Py.None || x == Py.True || x == Py.False;

    /// <summary>The signature tag of an exact empty dict, list or tuple; 0 for anything else.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte EmptyTag(nint x)
    {
        nint type = Py.TypeOf(x);
        byte tag = type == Py.DictType ? EmptyDictTag : type == Py.ListType ? EmptyListTag : type == Py.TupleType ? EmptyTupleTag : (byte)0;
        return tag != 0 && *(long*)(x + 16) == 0 ? tag : (byte)0; // ma_used, or ob_size
    }

    private static int Hit(Entry* e, int slot)
    {
        e->Misses = 0;
        e->LastUse = ++s_uses;
        return slot;
    }

    /// <summary>The slot of <paramref name="o"/>, whose kept text (not yet defined in any ring) is now <paramref name="text"/>, when every item it can show is a plain scalar; else -1.</summary>
    public static int Remember(nint o, TypeKind kind, byte* text, int length)
    {
        int slot = SlotFor(o);
        Entry* e = At(slot);
        int misses = e->Container == o ? e->Misses : 0;
        if (misses > 4 && (misses & 31) != 0) return -1;
        if (length <= 0 || length > s_textMax) return -1;
        e->DefinedEpoch = 0;
        int signature = Signature(o, kind, KeptSignature(e), out int walked, out bool immortal, out bool nested);
        if (signature < 0) { e->TextLength = 0; return -1; } // the kept signature was overwritten
        e->Container = o;
        e->Type = Py.TypeOf(o);
        e->SignatureLength = signature;
        e->TextLength = length;
        e->Misses = misses;
        e->LastUse = ++s_uses;
        KeepVersion(e, o, kind == TypeKind.Dict && HashTables.DictVersion(o, out ulong version) ? version : 0, nested);
        e->ImmortalItems = kind != TypeKind.Dict && immortal && walked <= s_pointersMax ? walked : 0;
        if (e->ImmortalItems > 0) Buffer.MemoryCopy(Items(o, kind), KeptPointers(e), walked * sizeof(nint), walked * sizeof(nint));
        Buffer.MemoryCopy(text, KeptText(e), length, length);
        return slot;
    }

    /// <summary>
    /// Writes the signature of <paramref name="o"/> at <paramref name="into"/> (room for <see cref="MaxSignature"/>); its
    /// length, or -1 when its text is not kept. It covers the items that can show: it stops at the first that would
    /// start past the value limit even if every item before it had its shortest text (a str without escapes, a float
    /// of three characters), so a list of long names is read as far as its text goes, not a fixed count of items.
    /// </summary>
    private static int Signature(nint o, TypeKind kind, byte* into, out int walked, out bool immortal, out bool nested)
    {
        byte* end = into + MaxSignature;
        byte* p = into;
        long at = 1; // the bracket
        walked = 0;
        immortal = true;
        nested = false;
        if (kind == TypeKind.Dict)
        {
            if (!HashTables.DictSlots(o, out var slots)) return -1;
            long used = *(long*)(o + 16); // ma_used
            *(long*)p = used;
            p += 8;
            long live = 0;
            for (long i = 0; i < slots.Count && live < used && at < s_limit; i++)
            {
                if (i >= s_dictSlots) return -1;
                if (!slots.IsLive(i)) continue;
                if ((p = Item(slots.Key(i), p, end, ref at, ref immortal, ref nested)) == null
                    || (p = Item(slots.Value(i), p, end, ref at, ref immortal, ref nested)) == null) return -1;
                live++;
            }
            return live == used || at >= s_limit ? (int)(p - into) : -1;
        }
        long size = Py.VarSize(o);
        *(long*)p = size;
        p += 8;
        nint* items = Items(o, kind);
        for (; walked < size && at < s_limit; walked++)
            if ((p = Item(items[walked], p, end, ref at, ref immortal, ref nested)) == null) return -1;
        return (int)(p - into);
    }

    private static nint* Items(nint o, TypeKind kind) => kind == TypeKind.List ? *(nint**)(o + 24) : (nint*)(o + 24);

    private const byte IntTag = 1, FloatTag = 2, FalseTag = 3, TrueTag = 4, NoneTag = 5, StrTag = 6, SmallIntTag = 7,
        EmptyDictTag = 8, EmptyListTag = 9, EmptyTupleTag = 10;

    /// <summary>
    /// Appends what the text of <paramref name="x"/> depends on, and moves <paramref name="at"/> past the shortest
    /// text it can have with the separator after it; null when it is not a plain scalar or an empty container, or does
    /// not fit. An empty container sets <paramref name="nested"/>: it may be filled without its holder changing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte* Item(nint x, byte* p, byte* end, ref long at, ref bool immortal, ref bool nested)
    {
        if (end - p < 2 + MaxStrItem) return null; // room for the longest item kept
        // Known by their address, without reading them: the small ints and the singletons are never freed.
        int small = PyInt.SmallIndex(x);
        if (small >= 0)
        {
            p[0] = SmallIntTag;
            *(ushort*)(p + 1) = (ushort)small;
            at += PyInt.SmallLength(small) + 2;
            return p + 3;
        }
        if (x == Py.None) { *p = NoneTag; at += 6; return p + 1; }
        if (x == Py.True) { *p = TrueTag; at += 6; return p + 1; }
        if (x == Py.False) { *p = FalseTag; at += 7; return p + 1; }
        immortal = false;
        nint type = Py.TypeOf(x);
        if (type == Py.LongType)
        {
            if (!PyInt.TryRead(x, out long value)) return null;
            *p = IntTag;
            *(long*)(p + 1) = value;
            at += ValueText.DecimalLength(value) + 2;
            return p + 9;
        }
        if (type == Py.UnicodeType)
        {
            if (!PyStr.CompactAscii(x, out byte* data, out long length) || length > MaxStrItem) return null;
            p[0] = StrTag;
            p[1] = (byte)length;
            if (length > 16) Buffer.MemoryCopy(data, p + 2, length, length);
            else for (int i = 0; i < length; i++) p[2 + i] = data[i]; // keys and names: a call to memmove costs more
            at += length + 4;
            return p + 2 + length;
        }
        if (type == Py.FloatType)
        {
            *p = FloatTag;
            *(double*)(p + 1) = *(double*)(x + 16);
            at += 5;
            return p + 9;
        }
        byte empty = EmptyTag(x);
        if (empty == 0) return null;
        *p = empty;
        nested = true;
        at += 4;
        return p + 1;
    }
}
