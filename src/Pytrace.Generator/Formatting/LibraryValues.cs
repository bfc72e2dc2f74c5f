using Pytrace.Generator.Interop;
using Pytrace.Generator.Tracing;
using static Pytrace.Generator.Formatting.ValueFormatter;

namespace Pytrace.Generator.Formatting;

/// <summary>
/// The reprs of the standard-library types LibraryTypes recognises, written as CPython writes them, each item by
/// the formatter (so a value of the program's inside stays unrun) and with the same bounds: the nesting limit, the
/// cycle marks repr() shows, and work that stops when the text is full. Under --repr full they are not used: an
/// item's real repr could change the container being walked.
/// </summary>
internal static unsafe class LibraryValues
{
    /// <summary>The most items a repr that sorts them (Counter's, 3.8's SimpleNamespace's) is written for.</summary>
    public const int MaxSortedItems = 4096;
    /// <summary>The longest subject a re.Match is written for: its repr copies the match out of it, up to all of it.</summary>
    public const int MaxMatchSubject = 10_000;
    /// <summary>The most items an array.array is written for: its repr makes a list of all of them first.</summary>
    public const int MaxArrayItems = 1_000;

    /// <summary>Writes O's repr; false when it cannot be told without user code (nothing was written).</summary>
    public static bool Format(ref ValueText w, nint o, TypeInfo* info, int nesting, nint* open)
    {
        if (nesting >= MaxNesting) { w.Cut(); return true; }
        switch (info->Kind)
        {
            case TypeKind.Deque: CollectionValues.Deque(ref w, o, nesting, open); return true;
            case TypeKind.DefaultDict: CollectionValues.DefaultDict(ref w, o, nesting, open); return true;
            case TypeKind.OrderedDict: CollectionValues.OrderedDict(ref w, o, nesting, open); return true;
            case TypeKind.ODictKeys or TypeKind.ODictValues or TypeKind.ODictItems: CollectionValues.OrderedDictView(ref w, o, info->Kind, nesting, open); return true;
            case TypeKind.Namespace: return Namespace(ref w, o, nesting, open);
            case TypeKind.Slice:
                w.Ascii("slice("u8);
                ValueFormatter.Format(ref w, *(nint*)(o + 16), nesting + 1, open);
                w.Ascii(", "u8);
                ValueFormatter.Format(ref w, *(nint*)(o + 24), nesting + 1, open);
                w.Ascii(", "u8);
                ValueFormatter.Format(ref w, *(nint*)(o + 32), nesting + 1, open);
                w.Ascii((byte)')');
                return true;
            case TypeKind.MappingProxy:
                w.Ascii("mappingproxy("u8);
                ValueFormatter.Format(ref w, *(nint*)(o + 16), nesting + 1, open);
                w.Ascii((byte)')');
                return true;
            case TypeKind.MethodWrapper: // <staticmethod(callable)>, sm_callable and cm_callable first after the head
                w.Ascii((byte)'<');
                ShortTypeName(ref w, Py.TypeOf(o));
                w.Ascii((byte)'(');
                ValueFormatter.Format(ref w, *(nint*)(o + 16), nesting + 1, open);
                w.Ascii(")>"u8);
                return true;
            case TypeKind.BoundMethod: return BoundMethod(ref w, o, nesting, open);
            case TypeKind.Partial: Partial(ref w, o, nesting, open); return true;
            case TypeKind.Generator:
                w.Ascii((byte)'<');
                TypeName(ref w, Py.TypeOf(o));
                w.Ascii(" object "u8);
                ScalarFormatter.CopyStr(ref w, *(nint*)(o + LibraryLayouts.GeneratorQualNameOffset));
                w.Ascii(" at 0x"u8);
                w.Hex((ulong)o, 1);
                w.Ascii((byte)'>');
                return true;
            case TypeKind.Counter: return CollectionValues.Counter(ref w, o, info, nesting, open);
            case TypeKind.DataClass: return DataClass(ref w, o, info, nesting, open);
            case TypeKind.EnumMember: return EnumMember(ref w, o, info, nesting, open);
            case TypeKind.ReMatch: return ReMatch(ref w, o);
            // Its items are C numbers (or the characters of a 'u' or 'w' array), whose reprs are the built-ins'.
            case TypeKind.Array when Py.VarSize(o) <= MaxArrayItems: Repr(ref w, o); return true;
            default: return false;
        }
    }

    /// <summary>
    /// re.Match by its own C repr, which slices group 0 out of the subject and reprs it: C code only when the subject
    /// is an exact str or bytes (a buffer of the program's, 3.12+'s __buffer__, is asked for the text again), and cheap
    /// when it is short.
    /// </summary>
    private static bool ReMatch(ref ValueText w, nint o)
    {
        if (!LibraryLayouts.MatchSubject(o)) return false;
        nint subject = *(nint*)(o + 24), type = Py.TypeOf(subject);
        // A str's length and a bytes' size are both at offset 16.
        if ((type != Py.UnicodeType && type != Py.BytesType) || Py.VarSize(subject) > MaxMatchSubject) return false;
        Repr(ref w, o);
        return true;
    }

    /// <summary>
    /// method_repr's &lt;bound method QualName of SELF&gt; for a Python function (its __qualname__ is type's getter);
    /// false for another callable, whose __qualname__ could be the program's code.
    /// </summary>
    private static bool BoundMethod(ref ValueText w, nint o, int nesting, nint* open)
    {
        nint function = *(nint*)(o + 16); // im_func, then im_self
        nint qualName, key = LibraryTypes.QualNameKey;
        if (Py.TypeOf(function) != Py.FunctionType || !ReadAll(function, &key, &qualName, 1)) return false;
        w.Ascii("<bound method "u8);
        if (Py.TypeOf(qualName) == Py.UnicodeType) ScalarFormatter.CopyStr(ref w, qualName);
        else w.Ascii((byte)'?');
        Py.DecRef(qualName);
        w.Ascii(" of "u8);
        ValueFormatter.Format(ref w, *(nint*)(o + 24), nesting + 1, open);
        w.Ascii((byte)'>');
        return true;
    }

    /// <summary>functools.partial(fn, 1, key=2): its function, arguments and keywords ("..." inside itself).</summary>
    private static void Partial(ref ValueText w, nint o, int nesting, nint* open)
    {
        if (IsOpen(o, nesting, open)) { w.Ascii("..."u8); return; }
        open[nesting] = o;
        w.Ascii("functools.partial("u8);
        ValueFormatter.Format(ref w, *(nint*)(o + 16), nesting + 1, open);
        nint args = *(nint*)(o + 24), keywords = *(nint*)(o + 32);
        for (long i = 0; Py.TypeOf(args) == Py.TupleType && i < Py.VarSize(args) && !w.Full; i++)
        {
            w.Ascii(", "u8);
            ValueFormatter.Format(ref w, ((nint*)(args + 24))[i], nesting + 1, open);
        }
        nint pos = 0, key, value;
        while (keywords != 0 && !w.Full && Py.DictNext(keywords, &pos, &key, &value) != 0)
        {
            w.Ascii(", "u8);
            if (Py.IsSubtype(Py.TypeOf(key), Py.UnicodeType)) ScalarFormatter.CopyStr(ref w, key);
            w.Ascii((byte)'=');
            ValueFormatter.Format(ref w, value, nesting + 1, open);
        }
        w.Ascii((byte)')');
    }

    /// <summary>
    /// namespace(a=1, b='x'): the str keys of its __dict__ that are not empty, in order ("namespace(...)" inside
    /// itself); 3.8 sorts them, which is done here when every key is an exact str (false otherwise).
    /// </summary>
    private static bool Namespace(ref ValueText w, nint o, int nesting, nint* open)
    {
        nint dict = *(nint*)(o + 16); // _PyNamespaceObject.ns_dict
        nint keys = 0;
        if (Py.Minor == 8 && (dict == 0 || (keys = SortedKeys(dict)) == 0)) return false;
        nint type = Py.TypeOf(o);
        if (type == Py.NamespaceType) w.Ascii("namespace"u8);
        else TypeName(ref w, type);
        if (IsOpen(o, nesting, open)) { w.Ascii("(...)"u8); Py.DecRef(keys); return true; }
        open[nesting] = o;
        w.Ascii((byte)'(');
        bool first = true;
        nint pos = 0, key = 0, value = 0;
        for (long i = 0; !w.Full && (keys != 0 ? i < Py.VarSize(keys) : dict != 0 && Py.DictNext(dict, &pos, &key, &value) != 0); i++)
        {
            if (keys != 0) value = Py.DictGetItem(dict, key = (*(nint**)(keys + 24))[i]);
            if (value == 0 || !Py.IsSubtype(Py.TypeOf(key), Py.UnicodeType) || Py.VarSize(key) == 0) continue;
            if (!first) w.Ascii(", "u8);
            first = false;
            ScalarFormatter.CopyStr(ref w, key);
            w.Ascii((byte)'=');
            ValueFormatter.Format(ref w, value, nesting + 1, open);
        }
        w.Ascii((byte)')');
        Py.DecRef(keys);
        return true;
    }

    /// <summary>The dict's keys as a sorted list, when they are at most MaxSortedItems exact strs (compared by C code only); else 0.</summary>
    private static nint SortedKeys(nint dict)
    {
        if (ContainerSize(dict, TypeKind.Dict) > MaxSortedItems) return 0;
        nint pos = 0, key, value;
        while (Py.DictNext(dict, &pos, &key, &value) != 0)
            if (Py.TypeOf(key) != Py.UnicodeType) return 0;
        nint keys = Py.DictKeys(dict);
        if (keys != 0 && Py.ListSort(keys) == 0) return keys;
        Py.DecRef(keys);
        Py.ErrClear();
        return 0;
    }

    /// <summary>QualName(x=1, y='a'): every field read first, so one that is missing (repr() would raise) leaves nothing written.</summary>
    private static bool DataClass(ref ValueText w, nint o, TypeInfo* info, int nesting, nint* open)
    {
        if (IsOpen(o, nesting, open)) { w.Ascii("..."u8); return true; }
        int count = info->FieldCount;
        nint* values = stackalloc nint[Math.Max(1, count)];
        if (!ReadAll(o, info->Fields, values, count)) return false;
        open[nesting] = o;
        w.Utf8(info->ReprName, info->ReprNameLength);
        w.Ascii((byte)'(');
        for (int i = 0; i < count && !w.Full; i++)
        {
            if (i > 0) w.Ascii(", "u8);
            ScalarFormatter.CopyStr(ref w, info->Fields[i]);
            w.Ascii((byte)'=');
            ValueFormatter.Format(ref w, values[i], nesting + 1, open);
        }
        w.Ascii((byte)')');
        for (int i = 0; i < count; i++) Py.DecRef(values[i]);
        return true;
    }

    /// <summary>&lt;Color.RED: 1&gt;: the class's __name__, the member's _name_ and its _value_'s repr.</summary>
    private static bool EnumMember(ref ValueText w, nint o, TypeInfo* info, int nesting, nint* open)
    {
        nint* read = stackalloc nint[2];
        nint* names = stackalloc nint[2] { LibraryTypes.NameKey, LibraryTypes.ValueKey };
        if (!ReadAll(o, names, read, 2)) return false;
        nint name = read[0], value = read[1];
        if (Py.TypeOf(name) != Py.UnicodeType || (info->ValueReprType != 0 && Py.TypeOf(value) != info->ValueReprType))
        {
            Py.DecRef(name);
            Py.DecRef(value);
            return false;
        }
        w.Ascii((byte)'<');
        w.Utf8(info->ReprName, info->ReprNameLength);
        w.Ascii((byte)'.');
        ScalarFormatter.CopyStr(ref w, name);
        w.Ascii(": "u8);
        ValueFormatter.Format(ref w, value, nesting + 1, open);
        w.Ascii((byte)'>');
        Py.DecRef(name);
        Py.DecRef(value);
        return true;
    }

    /// <summary>
    /// getattr(o, name) for each name by PyObject_GenericGetAttr, which LibraryTypes checked runs no user code for
    /// them; the error indicator is kept as it was. False (and nothing held) when one is missing.
    /// </summary>
    private static bool ReadAll(nint o, nint* names, nint* values, int count)
    {
        nint type, value, traceback;
        Py.ErrFetch(&type, &value, &traceback);
        int read = 0;
        while (read < count && (values[read] = Py.GenericGetAttr(o, names[read])) != 0) read++;
        if (read < count)
        {
            Py.ErrClear();
            while (read > 0) Py.DecRef(values[--read]);
        }
        Py.ErrRestore(type, value, traceback);
        return read == count;
    }
}
