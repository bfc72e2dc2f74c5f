using Pytrace.Generator.Interop;
using Pytrace.Generator.Tracing;
using static Pytrace.Generator.Formatting.ValueFormatter;

namespace Pytrace.Generator.Formatting;

/// <summary>
/// The collections module's containers as their reprs write them: deque block by block, defaultdict's factory and
/// dict, OrderedDict and its views in the order of its links, Counter the most common first.
/// </summary>
internal static unsafe class CollectionValues
{
    /// <summary>deque([1, 2]) or deque([1, 2], maxlen=5), read block by block; a deque inside itself is [...].</summary>
    public static void Deque(ref ValueText w, nint o, int nesting, nint* open)
    {
        if (IsOpen(o, nesting, open)) { w.Ascii("[...]"u8); return; }
        open[nesting] = o;
        ShortTypeName(ref w, Py.TypeOf(o));
        w.Ascii("(["u8);
        long size = Py.VarSize(o);
        nint block = *(nint*)(o + 24);  // leftblock
        long index = *(long*)(o + 40);  // leftindex
        for (long i = 0; i < size && !w.Full; i++)
        {
            if (i > 0) w.Ascii(", "u8);
            ValueFormatter.Format(ref w, ((nint*)(block + 8))[index], nesting + 1, open);
            if (++index == LibraryLayouts.DequeBlockLength) { block = *(nint*)(block + 8 + LibraryLayouts.DequeBlockLength * 8); index = 0; }
        }
        w.Ascii((byte)']');
        long maxLength = *(long*)(o + 64);
        if (maxLength >= 0) { w.Ascii(", maxlen="u8); w.Decimal(maxLength); }
        w.Ascii((byte)')');
    }

    /// <summary>defaultdict(factory, {...}): the factory's repr ("..." while it is being written), then the dict's.</summary>
    public static void DefaultDict(ref ValueText w, nint o, int nesting, nint* open)
    {
        ShortTypeName(ref w, Py.TypeOf(o));
        w.Ascii((byte)'(');
        nint factory = *(nint*)(o + LibraryLayouts.DictSize);
        if (factory == 0) w.Ascii("None"u8);
        else if (IsOpen(factory, nesting, open)) w.Ascii("..."u8);
        else
        {
            open[nesting] = factory;
            ValueFormatter.Format(ref w, factory, nesting + 1, open);
        }
        w.Ascii(", "u8);
        Container(ref w, o, TypeKind.Dict, nesting, open);
        w.Ascii((byte)')');
    }

    /// <summary>OrderedDict({'a': 1}) on 3.12+, OrderedDict([('a', 1)]) before; OrderedDict() when empty.</summary>
    public static void OrderedDict(ref ValueText w, nint o, int nesting, nint* open)
    {
        bool empty = ContainerSize(o, TypeKind.Dict) == 0;
        if (!empty && IsOpen(o, nesting, open)) { w.Ascii("..."u8); return; }
        open[nesting] = o;
        w.Ascii("OrderedDict("u8);
        if (!empty)
        {
            bool asDict = Py.Minor >= 12;
            w.Ascii(asDict ? "{"u8 : "["u8);
            LinkedItems(ref w, o, asDict ? TypeKind.Dict : TypeKind.DictItems, nesting, open);
            w.Ascii(asDict ? "}"u8 : "]"u8);
        }
        w.Ascii((byte)')');
    }

    public static void OrderedDictView(ref ValueText w, nint o, TypeKind kind, int nesting, nint* open)
    {
        if (IsOpen(o, nesting, open)) { w.Ascii("..."u8); return; }
        open[nesting] = o;
        w.Ascii(kind switch { TypeKind.ODictKeys => "odict_keys(["u8, TypeKind.ODictValues => "odict_values(["u8, _ => "odict_items(["u8 });
        LinkedItems(ref w, *(nint*)(o + 16), kind switch // _PyDictViewObject.dv_dict
        {
            TypeKind.ODictKeys => TypeKind.DictKeys,
            TypeKind.ODictValues => TypeKind.DictValues,
            _ => TypeKind.DictItems,
        }, nesting, open);
        w.Ascii("])"u8);
    }

    /// <summary>
    /// An OrderedDict's items in the order of its links (key first, next third in each node), each value found in
    /// its dict's table by the key's identity: where the slot after the previous item's holds it (the order was
    /// never changed), at once; else by a scan, all scans together bounded by EmptySlotBudget (then "...").
    /// </summary>
    private static void LinkedItems(ref ValueText w, nint od, TypeKind kind, int nesting, nint* open)
    {
        if (!HashTables.DictSlots(od, out var slots)) { w.Cut(); return; }
        long next = 0, budget = EmptySlotBudget;
        bool first = true;
        for (nint node = *(nint*)(od + LibraryLayouts.DictSize); node != 0 && !w.Full; node = *(nint*)(node + 16))
        {
            nint key = *(nint*)node;
            long slot = Find(slots, key, next, ref budget);
            if (slot < 0) { w.Cut(); return; }
            DictItem(ref w, kind, key, slots.Value(slot), first, nesting, open);
            first = false;
            next = slot + 1;
        }
    }

    private static long Find(HashTables.Slots slots, nint key, long from, ref long budget)
    {
        for (long i = from; i < slots.Count; i++)
        {
            if (slots.IsLive(i) && slots.Key(i) == key) return i;
            if (--budget < 0) return -1;
        }
        for (long i = 0; i < from && i < slots.Count; i++)
        {
            if (slots.IsLive(i) && slots.Key(i) == key) return i;
            if (--budget < 0) return -1;
        }
        return -1;
    }

    private const int MaxCounterShown = 256;

    /// <summary>
    /// Name({'a': 2, 'b': 1}): the items in most_common's order, by count from the largest, equal counts in the
    /// table's order (a stable sort), only as many picked as the text can show; Name() when empty. False for a
    /// count that is not an int, whose ordering could be the program's code.
    /// </summary>
    public static bool Counter(ref ValueText w, nint o, TypeInfo* info, int nesting, nint* open)
    {
        long used = ContainerSize(o, TypeKind.Dict);
        var slots = default(HashTables.Slots); // an empty dict may have no table of its own (3.10: a shared empty one)
        if (used > LibraryValues.MaxSortedItems || (used > 0 && !HashTables.DictSlots(o, out slots))) return false;
        int shown = (int)Math.Min(Math.Min(used, MaxCounterShown), w.Room / 6 + 1); // "k: 1, " at the least
        long* best = stackalloc long[Math.Max(1, shown)]; // slot indexes, the largest count first
        long* counts = stackalloc long[Math.Max(1, shown)];
        int kept = 0;
        for (long i = 0, live = 0; i < slots.Count && live < used; i++)
        {
            if (!slots.IsLive(i)) continue;
            live++;
            nint value = slots.Value(i);
            if (Py.TypeOf(value) != Py.LongType || !PyInt.TryRead(value, out long count)) return false;
            if (kept == shown && count <= counts[kept - 1]) continue;
            int at = kept < shown ? kept++ : kept - 1;
            while (at > 0 && counts[at - 1] < count) { best[at] = best[at - 1]; counts[at] = counts[at - 1]; at--; }
            best[at] = i;
            counts[at] = count;
        }
        w.Utf8(info->ReprName, info->ReprNameLength); // no cycle to mark: the counts are ints, and a Counter is no key
        w.Ascii((byte)'(');
        if (used > 0) w.Ascii((byte)'{');
        for (int k = 0; k < kept && !w.Full; k++) DictItem(ref w, TypeKind.Dict, slots.Key(best[k]), slots.Value(best[k]), k == 0, nesting, open);
        if (kept < used) w.Cut();
        if (used > 0) w.Ascii((byte)'}');
        w.Ascii((byte)')');
        return true;
    }
}
