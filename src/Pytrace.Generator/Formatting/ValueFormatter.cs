using System.Runtime.CompilerServices;
using Pytrace.Generator.Interop;
using Pytrace.Generator.Tracing;

namespace Pytrace.Generator.Formatting;

/// <summary>
/// Bounded formatting of any value: repr() for scalars, first items of containers (nested to a small depth,
/// cycles shown as Python shows them), and no user code unless --repr full. Work stops when the text is full,
/// so the cost does not grow with the size of a container.
/// </summary>
internal static unsafe class ValueFormatter
{
    public const int MaxNesting = 4;
    public static bool FullRepr;

    public static void Format(ref ValueText w, nint o, TypeInfo* info, int nesting, nint* open)
    {
        if (info->VersionTag != Py.TypeVersion(Py.TypeOf(o))) TypeRegistry.Refresh(Py.TypeOf(o), info);
        switch (info->Kind)
        {
            case TypeKind.None: w.Ascii("None"u8); return;
            case TypeKind.Bool: w.Ascii(o == Py.True ? "True"u8 : "False"u8); return;
            case TypeKind.Int: ScalarFormatter.Int(ref w, o); return;
            case TypeKind.Float: ScalarFormatter.Float(ref w, o); return;
            case TypeKind.Str: ScalarFormatter.Str(ref w, o); return;
            case TypeKind.Bytes: ScalarFormatter.Bytes(ref w, o); return;
            case TypeKind.ByteArray:
                ShortTypeName(ref w, Py.TypeOf(o)); // bytearray(b'..'), or a subclass's own name
                w.Ascii((byte)'(');
                ScalarFormatter.ByteArrayBytes(ref w, o);
                w.Ascii((byte)')');
                return;
            case TypeKind.List or TypeKind.Tuple or TypeKind.Dict or TypeKind.Set or TypeKind.FrozenSet:
                Container(ref w, o, info->Kind, nesting, open);
                return;
            case TypeKind.Module: ModuleRepr.Format(ref w, o); return;
            case TypeKind.SafeRepr: Repr(ref w, o); return;
            case TypeKind.DateTime when FullRepr || TypeClassifier.HasPlainZone(o): Repr(ref w, o); return;
            case TypeKind.Exception: Exception(ref w, o, nesting, open); return;
            case TypeKind.DictKeys or TypeKind.DictValues or TypeKind.DictItems when !FullRepr && *(nint*)(o + 16) != 0:
                DictView(ref w, o, info->Kind, nesting, open);
                return;
            case TypeKind.DictKeys or TypeKind.DictValues or TypeKind.DictItems: Repr(ref w, o); return;
            case TypeKind.Class:
                TypeInfo* cls = TypeRegistry.Get(o);
                w.Ascii("<class '"u8);
                w.Utf8(cls->FullName, cls->FullNameLength);
                w.Ascii("'>"u8);
                return;
            case TypeKind.Subclass: FormatAs(ref w, o, info->BaseKind, nesting, open); return;
            case >= TypeKind.Deque when !FullRepr && LibraryValues.Format(ref w, o, info, nesting, open): return;
            case TypeKind.NamedTuple when NamedTuple(ref w, o, nesting, open): return;
            case TypeKind.Pending:
                TypeRegistry.Classify(Py.TypeOf(o), info);
                if (info->Kind != TypeKind.Pending) { Format(ref w, o, info, nesting, open); return; }
                break;
        }
        if (FullRepr) Repr(ref w, o);
        else Opaque(ref w, o, info);
    }

    /// <summary>Formats an element: the common exact built-ins are recognized without a registry lookup.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Format(ref ValueText w, nint o, int nesting, nint* open)
    {
        nint type = Py.TypeOf(o);
        if (type == Py.LongType) ScalarFormatter.Int(ref w, o);
        else if (type == Py.UnicodeType) ScalarFormatter.Str(ref w, o);
        else if (type == Py.FloatType) ScalarFormatter.Float(ref w, o);
        else if (o == Py.None) w.Ascii("None"u8);
        else if (type == Py.BoolType) w.Ascii(o == Py.True ? "True"u8 : "False"u8);
        else Format(ref w, o, TypeRegistry.Get(type), nesting, open);
    }

    /// <summary>An item of a container: under --repr full a repr may remove it from there (and free it), so it is held.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FormatHeld(ref ValueText w, nint item, int nesting, nint* open)
    {
        if (!FullRepr) { Format(ref w, item, nesting, open); return; }
        Py.IncRef(item);
        Format(ref w, item, nesting, open);
        Py.DecRef(item);
    }

    private static void FormatAs(ref ValueText w, nint o, TypeKind kind, int nesting, nint* open)
    {
        switch (kind)
        {
            case TypeKind.Int: ScalarFormatter.Int(ref w, o); return;
            case TypeKind.Float: ScalarFormatter.Float(ref w, o); return;
            case TypeKind.Str: ScalarFormatter.Str(ref w, o); return;
            case TypeKind.Bytes: ScalarFormatter.Bytes(ref w, o); return;
            default: Container(ref w, o, kind, nesting, open); return;
        }
    }

    internal static void Container(ref ValueText w, nint o, TypeKind kind, int nesting, nint* open)
    {
        long size = kind is TypeKind.Dict or TypeKind.Set or TypeKind.FrozenSet ? ContainerSize(o, kind) : Py.VarSize(o);
        // set_repr names every type but set itself: frozenset({1}), MySet({1}), MySet() when empty.
        bool named = kind is TypeKind.Set or TypeKind.FrozenSet && Py.TypeOf(o) != Py.SetType;
        if (nesting >= MaxNesting) { w.Cut(); return; } // deeper values are not shown: the text ends "..."
        if (named) ShortTypeName(ref w, Py.TypeOf(o));
        if (kind == TypeKind.Set && size == 0 && !named) { w.Ascii("set()"u8); return; }
        if (named && size == 0) { w.Ascii("()"u8); return; }
        if (named) w.Ascii((byte)'(');
        var (openChar, closeChar) = kind switch
        {
            TypeKind.List => ((byte)'[', (byte)']'),
            TypeKind.Tuple => ((byte)'(', (byte)')'),
            _ => ((byte)'{', (byte)'}'),
        };
        w.Ascii(openChar);
        if (IsOpen(o, nesting, open)) w.Ascii("..."u8); // as Python shows a container inside itself
        else
        {
            open[nesting] = o;
            switch (kind)
            {
                case TypeKind.List or TypeKind.Tuple: Items(ref w, o, kind, size, nesting, open); break;
                case TypeKind.Dict: DictItems(ref w, o, TypeKind.Dict, nesting, open); break;
                default: SetItems(ref w, o, nesting, open); break;
            }
        }
        w.Ascii(closeChar);
        if (named) w.Ascii((byte)')');
    }

    /// <summary>
    /// List and tuple items. Under --repr full an item's repr may change the list (clear it, free its items), so
    /// the size and item array are read again for each item and the item is held while it is formatted.
    /// </summary>
    private static void Items(ref ValueText w, nint o, TypeKind kind, long size, int nesting, nint* open)
    {
        long i = FullRepr ? 0 : SmallInts(ref w, o, kind, size);
        for (; !w.Full; i++)
        {
            if (FullRepr && kind == TypeKind.List) size = Py.VarSize(o);
            if (i >= size) break;
            nint* items = kind == TypeKind.List ? *(nint**)(o + 24) : (nint*)(o + 24);
            nint item = items[i];
            if (i > 0) { w.Ascii((byte)','); w.Ascii((byte)' '); }
            FormatHeld(ref w, item, nesting + 1, open);
        }
        if (kind == TypeKind.Tuple && size == 1) w.Ascii((byte)',');
    }

    /// <summary>
    /// The leading run of small exact ints, the most common list, written from a local pointer while each one fits
    /// whole; returns how many were written. The general loop goes on from there: with the item that is cut, or
    /// with the first that is not a small int.
    /// </summary>
    private static long SmallInts(ref ValueText w, nint o, TypeKind kind, long size)
    {
        nint* items = kind == TypeKind.List ? *(nint**)(o + 24) : (nint*)(o + 24);
        byte* start = w.BeginAscii(out int room);
        byte* p = start, end = start + room;
        long i = 0;
        for (; i < size; i++)
        {
            nint item = items[i];
            int small = PyInt.SmallIndex(item); // a cached one from its table of texts: no read of the object, no digits made
            if (small >= 0)
            {
                if (p + 2 + 4 > end) break; // WriteSmall stores 4 bytes
                if (i > 0) { p[0] = (byte)','; p[1] = (byte)' '; p += 2; }
                p = PyInt.WriteSmall(p, small);
                continue;
            }
            if (Py.TypeOf(item) != Py.LongType || !PyInt.TryRead(item, out long v)) break;
            if (p + (i > 0 ? 2 : 0) + ValueText.DecimalLength(v) > end) break;
            if (i > 0) { p[0] = (byte)','; p[1] = (byte)' '; p += 2; }
            p = ValueText.WriteDecimal(p, v);
        }
        w.EndAscii(p);
        return i;
    }

    /// <summary>
    /// Empty slots a dict or set may show before the formatter gives up on finding more items (the text then ends
    /// "..."): a table emptied by deletions costs at most this, not its whole size.
    /// </summary>
    internal const int EmptySlotBudget = 4096;

    /// <summary>
    /// A dict's items as KIND shows them: key: value for the dict itself (Dict), or the keys, the values or the
    /// (key, value) pairs of one of its views.
    /// </summary>
    private static void DictItems(ref ValueText w, nint o, TypeKind kind, int nesting, nint* open)
    {
        // Under --repr full a key's repr could change the dict, and with it the table: only PyDict_Next is safe then.
        if (!FullRepr && HashTables.DictSlots(o, out var slots)) { TableItems(ref w, slots, kind, ContainerSize(o, TypeKind.Dict), nesting, open); return; }
        nint pos = 0, key, value;
        for (bool first = true; !w.Full && Py.DictNext(o, &pos, &key, &value) != 0; first = false)
        {
            if (!FullRepr) { DictItem(ref w, kind, key, value, first, nesting, open); continue; }
            if (!first) w.Ascii(", "u8);
            Py.IncRef(value); // the key's repr may drop the value from the dict
            FormatHeld(ref w, key, nesting + 1, open);
            w.Ascii(": "u8);
            FormatHeld(ref w, value, nesting + 1, open);
            Py.DecRef(value);
        }
    }

    /// <summary>
    /// The items of a dict or set table read in place, a dict's as KIND shows them (see DictItems): stops after the
    /// USED live slots, and gives up (the text ends "...") past <see cref="EmptySlotBudget"/> empty ones.
    /// </summary>
    private static void TableItems(ref ValueText w, HashTables.Slots slots, TypeKind kind, long used, int nesting, nint* open)
    {
        long empty = 0;
        bool first = true;
        for (long i = 0; i < slots.Count && used > 0 && !w.Full; i++)
        {
            if (!slots.IsLive(i))
            {
                if (++empty > EmptySlotBudget) { w.Cut(); return; }
                continue;
            }
            if (slots.IsSet)
            {
                if (!first) w.Ascii(", "u8);
                Format(ref w, slots.Key(i), nesting + 1, open);
            }
            else DictItem(ref w, kind, slots.Key(i), slots.Value(i), first, nesting, open);
            first = false;
            used--;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] // TableItems' loop, the common case
    internal static void DictItem(ref ValueText w, TypeKind kind, nint key, nint value, bool first, int nesting, nint* open)
    {
        if (kind == TypeKind.Dict && NameToInt(ref w, key, value, first)) return;
        if (!first) w.Ascii(", "u8);
        switch (kind)
        {
            case TypeKind.Dict:
                Format(ref w, key, nesting + 1, open);
                w.Ascii(": "u8);
                Format(ref w, value, nesting + 1, open);
                return;
            case TypeKind.DictKeys: Format(ref w, key, nesting + 1, open); return;
            case TypeKind.DictValues: Format(ref w, value, nesting + 1, open); return;
            default: // a pair, one level deeper
                w.Ascii((byte)'(');
                Format(ref w, key, nesting + 2, open);
                w.Ascii(", "u8);
                Format(ref w, value, nesting + 2, open);
                w.Ascii((byte)')');
                return;
        }
    }

    /// <summary>
    /// The most common item, a short plain ASCII key and a small int ('id': 7), written from a local pointer when
    /// it surely fits; false (nothing written) for any other item.
    /// </summary>
    private static bool NameToInt(ref ValueText w, nint key, nint value, bool first)
    {
        if (Py.TypeOf(key) != Py.UnicodeType || Py.TypeOf(value) != Py.LongType) return false;
        if (!PyStr.CompactAscii(key, out byte* name, out long length) || length > 32) return false;
        if (!PyInt.TryRead(value, out long number) || !ScalarFormatter.PlainAscii(name, length)) return false;
        byte* p = w.BeginAscii(out int room);
        if (length + 28 > room) return false;
        if (!first) { p[0] = (byte)','; p[1] = (byte)' '; p += 2; }
        p = ScalarFormatter.QuotedAscii(p, name, length);
        p[0] = (byte)':';
        p[1] = (byte)' ';
        p = ValueText.WriteDecimal(p + 2, number);
        w.EndAscii(p);
        return true;
    }

    /// <summary>
    /// A dict view as dictview_repr writes it, its type's name and the list of what it shows: dict_keys([1, 2]),
    /// dict_values(['a']), dict_items([(1, 'a')]); a view inside itself is "...".
    /// </summary>
    private static void DictView(ref ValueText w, nint o, TypeKind kind, int nesting, nint* open)
    {
        if (nesting >= MaxNesting) { w.Cut(); return; }
        if (IsOpen(o, nesting, open)) { w.Ascii("..."u8); return; }
        open[nesting] = o;
        w.Ascii(kind switch { TypeKind.DictKeys => "dict_keys(["u8, TypeKind.DictValues => "dict_values(["u8, _ => "dict_items(["u8 });
        DictItems(ref w, *(nint*)(o + 16), kind, nesting, open); // _PyDictViewObject.dv_dict
        w.Ascii("])"u8);
    }

    /// <summary>Whether O is one of the containers being written around this value (a cycle).</summary>
    internal static bool IsOpen(nint o, int nesting, nint* open)
    {
        for (int i = 0; i < nesting; i++)
            if (open[i] == o) return true;
        return false;
    }

    internal static long ContainerSize(nint o, TypeKind kind) =>
        kind == TypeKind.Dict ? *(long*)(o + 16) : *(long*)(o + 24); // ma_used / set.used

    private static void SetItems(ref ValueText w, nint o, int nesting, nint* open)
    {
        if (!FullRepr && HashTables.SetSlots(o, out var slots)) { TableItems(ref w, slots, TypeKind.Set, ContainerSize(o, TypeKind.Set), nesting, open); return; }
        bool first = true;
        if (Py.SetNextEntry != null)
        {
            nint pos = 0, key;
            long hash;
            while (!w.Full && Py.SetNextEntry(o, &pos, &key, &hash) != 0)
            {
                if (!first) w.Ascii(", "u8);
                first = false;
                Format(ref w, key, nesting + 1, open);
            }
            return;
        }
        nint iterator = Py.GetIter(o);
        if (iterator == 0) { Py.ErrClear(); return; }
        nint item;
        while (!w.Full && (item = Py.IterNext(iterator)) != 0)
        {
            if (!first) w.Ascii(", "u8);
            first = false;
            Format(ref w, item, nesting + 1, open);
            Py.DecRef(item);
        }
        Py.DecRef(iterator);
        Py.ErrClear();
    }

    /// <summary>namedtuple's repr, Name(x=1, y=2); false (nothing written) when its fields do not match its items, where repr() would raise.</summary>
    private static bool NamedTuple(ref ValueText w, nint o, int nesting, nint* open)
    {
        nint fields = TypeClassifier.NamedTupleFields(Py.TypeOf(o));
        long size = Py.VarSize(o);
        if (fields == 0 || Py.VarSize(fields) != size) return false;
        if (nesting >= MaxNesting) { w.Cut(); return true; }
        ShortTypeName(ref w, Py.TypeOf(o));
        w.Ascii((byte)'(');
        open[nesting] = o;
        for (long i = 0; i < size && !w.Full; i++)
        {
            if (i > 0) w.Ascii(", "u8);
            ScalarFormatter.CopyStr(ref w, ((nint*)(fields + 24))[i]);
            w.Ascii((byte)'=');
            Format(ref w, ((nint*)(o + 24))[i], nesting + 1, open);
        }
        w.Ascii((byte)')');
        return true;
    }

    /// <summary>
    /// BaseException's repr, natively: Type(arg) for one argument, Type(a, b) or Type() otherwise, the name as
    /// tp_name without its module. Only types that keep BaseException's repr come here.
    /// </summary>
    private static void Exception(ref ValueText w, nint o, int nesting, nint* open)
    {
        ShortTypeName(ref w, Py.TypeOf(o));
        nint args = *(nint*)(o + 24);
        if (args == 0 || Py.TypeOf(args) != Py.TupleType) { w.Ascii("()"u8); return; }
        long size = Py.VarSize(args);
        if (size != 1) { Container(ref w, args, TypeKind.Tuple, nesting, open); return; }
        if (nesting >= MaxNesting) { w.Cut(); return; }
        w.Ascii((byte)'(');
        open[nesting] = o;
        nint item = *(nint*)(args + 24);
        FormatHeld(ref w, item, nesting + 1, open);
        w.Ascii((byte)')');
    }

    /// <summary>tp_name after its last dot, as CPython's reprs name a type (_PyType_Name).</summary>
    internal static void ShortTypeName(ref ValueText w, nint type)
    {
        byte* name = *(byte**)(type + Py.TpNameOffset);
        int length = new ReadOnlySpan<byte>(name, 1 << 16).IndexOf((byte)0);
        int dot = new ReadOnlySpan<byte>(name, length).LastIndexOf((byte)'.');
        w.Utf8(name + dot + 1, length - dot - 1);
    }

    /// <summary>tp_name whole, as reprs that print it with %s name a type.</summary>
    internal static void TypeName(ref ValueText w, nint type)
    {
        byte* name = *(byte**)(type + Py.TpNameOffset);
        w.Utf8(name, new ReadOnlySpan<byte>(name, 1 << 16).IndexOf((byte)0));
    }

    /// <summary>repr() called for real: a C repr we trust, or any object under --repr full. Errors become text.</summary>
    public static void Repr(ref ValueText w, nint o)
    {
        nint type, value, traceback;
        Py.ErrFetch(&type, &value, &traceback);
        nint repr = Py.Repr(o);
        if (repr == 0)
        {
            nint failedType, failedValue, failedTraceback;
            Py.ErrFetch(&failedType, &failedValue, &failedTraceback);
            w.Ascii("<repr failed: "u8);
            if (failedType != 0) ShortTypeName(ref w, failedType);
            w.Ascii((byte)'>');
            Py.DecRef(failedType); Py.DecRef(failedValue); Py.DecRef(failedTraceback);
        }
        else
        {
            if (Py.TypeOf(repr) == Py.UnicodeType) ScalarFormatter.CopyStr(ref w, repr);
            Py.DecRef(repr);
        }
        Py.ErrRestore(type, value, traceback);
    }

    internal static void Opaque(ref ValueText w, nint o, TypeInfo* info)
    {
        byte* p = w.BeginAscii(out int room);
        if (info->OpaquePrefix != null && info->OpaquePrefixLength + 17 <= room) // an address has at most 16 digits
        {
            Buffer.MemoryCopy(info->OpaquePrefix, p, info->OpaquePrefixLength, info->OpaquePrefixLength);
            p = ValueText.WriteHex(p + info->OpaquePrefixLength, (ulong)o);
            *p++ = (byte)'>';
            w.EndAscii(p);
            return;
        }
        w.Ascii((byte)'<');
        w.Utf8(info->FullName, info->FullNameLength);
        w.Ascii(" object at 0x"u8);
        w.Hex((ulong)o, 1);
        w.Ascii((byte)'>');
    }
}
