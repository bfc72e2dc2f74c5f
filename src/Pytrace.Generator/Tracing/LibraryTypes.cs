using System.Text;
using Pytrace.Generator.Formatting;
using Pytrace.Generator.Interop;

namespace Pytrace.Generator.Tracing;

/// <summary>
/// Standard-library types whose repr the formatter writes itself (LibraryValues), because repr() would show more
/// than <c>object.__repr__</c> and runs no code of the program's: collections' deque, defaultdict and OrderedDict,
/// SimpleNamespace, slice, mappingproxy, staticmethod and classmethod, dataclass instances and enum members. Types
/// are known by identity and by their repr slot or function; the C layouts read are checked against the
/// interpreter's own iteration the first time a value needs them, and a type whose check fails stays opaque.
/// </summary>
internal static unsafe class LibraryTypes
{
    /// <summary>A dataclass with more fields in its repr than this is left opaque (they are read before writing).</summary>
    public const int MaxDataClassFields = 64;
    public const int DequeBlockLength = 64;

    /// <summary>sizeof(PyDictObject): where defaultdict's default_factory and OrderedDict's first link are.</summary>
    public static int DictSize;
    /// <summary>Where a generator, coroutine or async generator holds its __qualname__ (0: the layout check failed).</summary>
    public static int GeneratorQualNameOffset;
    public static nint NameKey, ValueKey, QualNameKey;
    private static int s_dequeChecked, s_orderedDictChecked, s_defaultDictChecked, s_partialChecked; // 0 unknown, 1 good, -1 failed

    public static void Initialize()
    {
        DictSize = (int)*(long*)(Py.DictType + Py.TpBasicSizeOffset);
        NameKey = Py.NewString("_name_");
        ValueKey = Py.NewString("_value_");
        QualNameKey = Py.NewString("__qualname__");
        // PyGenObject: head, then (3.8-3.9) frame, running, code, weakreflist, name; (3.10) frame, code...; (3.11) code,
        // weakreflist, name; (3.12+) weakreflist, name.
        GeneratorQualNameOffset = GeneratorLayout(Py.Minor switch { <= 9 => 56, 10 => 48, 11 => 40, _ => 32 });
    }

    // The qualname slot of one generator, one coroutine and one async generator, against their own getter's answer.
    private static int GeneratorLayout(int offset)
    {
        nint globals = Py.DictNew();
        bool ok = Py.Exec("class C:\n    def g(self):\n        yield\n    async def c(self):\n        pass\n    async def a(self):\n        yield\n"
            + "v = [C().g(), C().c(), C().a()]", globals);
        nint made = ok ? Py.DictItem(globals, "v"u8) : 0;
        ok = made != 0 && Py.TypeOf(made) == Py.ListType && Py.VarSize(made) == 3;
        for (int i = 0; ok && i < 3; i++)
        {
            nint value = (*(nint**)(made + 24))[i];
            nint qualName = Py.GetAttr(value, "__qualname__"u8);
            ok = qualName != 0 && qualName == *(nint*)(value + offset) && Py.TypeOf(value) == (i == 0 ? Py.GenType : i == 1 ? Py.CoroType : Py.AsyncGenType);
            Py.DecRef(qualName);
            if (ok && i == 1) CallMethod(value, "close"u8, 0); // no "never awaited" warning
        }
        Py.DecRef(globals);
        Py.ErrClear();
        return ok ? offset : 0;
    }

    public static TypeKind Classify(nint type, TypeInfo* info)
    {
        nint repr = Py.Slot(type, Py.TpReprOffset);
        if (type == Py.ODictType) return Checked(ref s_orderedDictChecked, &OrderedDictLayout) ? TypeKind.OrderedDict : TypeKind.Opaque;
        if (type == Py.ODictKeysType || type == Py.ODictValuesType || type == Py.ODictItemsType)
            return !Checked(ref s_orderedDictChecked, &OrderedDictLayout) ? TypeKind.Opaque
                : type == Py.ODictKeysType ? TypeKind.ODictKeys : type == Py.ODictValuesType ? TypeKind.ODictValues : TypeKind.ODictItems;
        if (type == Py.SliceType) return TypeKind.Slice;
        if (type == Py.GenType || type == Py.CoroType || type == Py.AsyncGenType)
            return GeneratorQualNameOffset != 0 ? TypeKind.Generator : TypeKind.Opaque;
        if (type == Py.DictProxyType) return TypeKind.MappingProxy;
        if (type == Py.BoundMethodType) return TypeKind.BoundMethod;
        nint partial = Py.LoadedModuleItem("_functools"u8, "partial"u8);
        if (partial != 0 && type == partial) return Checked(ref s_partialChecked, &PartialLayout) ? TypeKind.Partial : TypeKind.Opaque;
        if (Keeps(type, Py.StaticMethodType) || Keeps(type, Py.ClassMethodType))
            return repr != Py.Slot(Py.BaseObjectType, Py.TpReprOffset) ? TypeKind.MethodWrapper : TypeKind.Opaque;
        if (Py.NamespaceType != 0 && Keeps(type, Py.NamespaceType)) return TypeKind.Namespace;
        nint deque = Py.LoadedModuleItem("_collections"u8, "deque"u8);
        if (deque != 0 && Keeps(type, deque) && Py.Slot(type, Py.TpIterOffset) == Py.Slot(deque, Py.TpIterOffset))
            return Checked(ref s_dequeChecked, &DequeLayout) ? TypeKind.Deque : TypeKind.Opaque;
        nint defaultDict = Py.LoadedModuleItem("_collections"u8, "defaultdict"u8);
        if (defaultDict != 0 && Keeps(type, defaultDict))
            return Checked(ref s_defaultDictChecked, &DefaultDictLayout) ? TypeKind.DefaultDict : TypeKind.Opaque;
        if (repr != TypeClassifier.PythonReprSlot || Py.Slot(type, Py.TpGetAttroOffset) != Py.GenericGetAttrFunction) return TypeKind.Opaque;
        if (Counter(type, info)) return TypeKind.Counter;
        if (DataClass(type, info)) return TypeKind.DataClass;
        if (EnumMember(type, info)) return TypeKind.EnumMember;
        return TypeKind.Opaque;
    }

    /// <summary>TYPE is OF, or a subclass that keeps its repr.</summary>
    private static bool Keeps(nint type, nint of) =>
        type == of || (Py.IsSubtype(type, of) && Py.Slot(type, Py.TpReprOffset) == Py.Slot(of, Py.TpReprOffset));

    private static bool Checked(ref int state, delegate*<bool> check)
    {
        if (state == 0) state = check() ? 1 : -1;
        return state > 0;
    }

    /// <summary>
    /// A repr made by dataclasses: the function is the wrapper of its recursion guard (dataclasses._recursive_repr
    /// up to 3.12, reprlib.recursive_repr on 3.13) around a __repr__ it compiled from "&lt;string&gt;". Its fields are
    /// those of the class that holds that __repr__, and each must read without user code: no __getattribute__, and
    /// no descriptor under the field's name but a slot's.
    /// </summary>
    private static bool DataClass(nint type, TypeInfo* info)
    {
        string? qualName = Py.TypeQualName(type);
        if (qualName is null) return false;
        nint reprKey = Py.NewString("__repr__"), fieldsKey = Py.NewString("__dataclass_fields__");
        nint repr = Py.TypeLookup(type, reprKey, out nint owner);
        nint fields = owner == 0 ? 0 : Py.DictGetItem(Py.Slot(owner, Py.TpDictOffset), fieldsKey);
        Py.DecRef(reprKey);
        Py.DecRef(fieldsKey);
        if (repr == 0 || Py.TypeOf(repr) != Py.FunctionType || fields == 0 || Py.TypeOf(fields) != Py.DictType) return false;
        nint guard = Py.Minor >= 13 ? Py.LoadedModuleItem("reprlib"u8, "recursive_repr"u8) : Py.LoadedModuleItem("dataclasses"u8, "_recursive_repr"u8);
        if (guard == 0 || Py.TypeOf(guard) != Py.FunctionType || !HoldsCode(Py.FunctionGetCode(guard), Py.FunctionGetCode(repr), 2)) return false;
        nint wrapped = Py.GetAttr(repr, "__wrapped__"u8);
        bool generated = wrapped != 0 && Py.TypeOf(wrapped) == Py.FunctionType
            && Py.AttrString(Py.FunctionGetCode(wrapped), "co_filename"u8) == "<string>"
            && Py.AttrString(Py.FunctionGetCode(wrapped), "co_name"u8) == "__repr__";
        Py.DecRef(wrapped);
        nint fieldKind = Py.LoadedModuleItem("dataclasses"u8, "_FIELD"u8);
        if (!generated || fieldKind == 0) return false;

        var shown = new List<nint>();
        nint pos = 0, name, field;
        while (Py.DictNext(fields, &pos, &name, &field) != 0)
        {
            nint kind = Py.GetAttr(field, "_field_type"u8), inRepr = Py.GetAttr(field, "repr"u8);
            bool ok = Py.TypeOf(name) == Py.UnicodeType && (inRepr == Py.True || inRepr == Py.False);
            bool show = ok && kind == fieldKind && inRepr == Py.True;
            Py.DecRef(kind);
            Py.DecRef(inRepr);
            if (!ok || (show && !Readable(type, name))) return false;
            if (show) shown.Add(name);
        }
        if (shown.Count > MaxDataClassFields) return false;
        info->Fields = (nint*)System.Runtime.InteropServices.NativeMemory.Alloc((nuint)Math.Max(1, shown.Count), (nuint)sizeof(nint));
        for (int i = 0; i < shown.Count; i++) { Py.IncRef(shown[i]); info->Fields[i] = shown[i]; }
        info->FieldCount = shown.Count;
        Named(info, qualName);
        return true;
    }

    /// <summary>
    /// A member of an Enum subclass that keeps Enum.__repr__ (Flag has its own): &lt;Name.member: value&gt;. On 3.11+
    /// the value is written by the class's _value_repr_, which must be absent, None, or a built-in type's __repr__.
    /// </summary>
    private static bool EnumMember(nint type, TypeInfo* info)
    {
        nint enumType = Py.LoadedModuleItem("enum"u8, "Enum"u8);
        if (enumType == 0 || !Py.IsSubtype(type, enumType)) return false;
        nint repr = Py.TypeLookup(type, "__repr__"u8);
        if (repr == 0 || repr != Py.TypeLookup(enumType, "__repr__"u8)) return false;
        if (!Readable(type, NameKey) || !Readable(type, ValueKey)) return false;
        if (Py.Minor >= 11)
        {
            nint valueRepr = Py.TypeLookup(type, "_value_repr_"u8);
            if (valueRepr != 0 && valueRepr != Py.None)
            {
                if (Py.TypeOf(valueRepr) != Py.WrapperDescrType) return false;
                nint of = *(nint*)(valueRepr + 16); // PyDescrObject.d_type
                if (of != Py.LongType && of != Py.UnicodeType && of != Py.FloatType && of != Py.BytesType) return false;
                info->ValueReprType = of;
            }
        }
        string? name = Py.TypeName(type);
        if (name is null) return false;
        Named(info, name);
        return true;
    }

    /// <summary>
    /// A Counter whose repr, most_common, items and length are Counter's and dict's own: its repr then sorts the
    /// items by count, which LibraryValues does for counts that are ints.
    /// </summary>
    private static bool Counter(nint type, TypeInfo* info)
    {
        nint counter = Py.LoadedModuleItem("collections"u8, "Counter"u8);
        if (counter == 0 || !Py.IsSubtype(type, counter) || !HashTables.Checked) return false;
        foreach (var name in (ReadOnlySpan<string>)["__repr__", "most_common", "items", "__len__", "__bool__"])
        {
            nint key = Py.NewString(name);
            bool same = Py.TypeLookup(type, key, out _) == Py.TypeLookup(counter, key, out _);
            Py.DecRef(key);
            if (!same) return false;
        }
        string? typeName = Py.TypeName(type);
        if (typeName is null) return false;
        Named(info, typeName);
        return true;
    }

    private static void Named(TypeInfo* info, string name)
    {
        info->ReprName = Py.Utf8Z(name);
        info->ReprNameLength = Encoding.UTF8.GetByteCount(name);
    }

    /// <summary>
    /// Reading NAME from an instance by PyObject_GenericGetAttr runs no user code: what the class has under that name
    /// is nothing, a slot, or a value that is no descriptor.
    /// </summary>
    private static bool Readable(nint type, nint name)
    {
        nint found = Py.TypeLookup(type, name, out _);
        return found == 0 || Py.TypeOf(found) == Py.MemberDescrType || Py.Slot(Py.TypeOf(found), Py.TpDescrGetOffset) == 0;
    }

    /// <summary>Whether CODE is among the code constants of OUTER, up to DEPTH levels of nested functions.</summary>
    private static bool HoldsCode(nint outer, nint code, int depth)
    {
        if (outer == 0 || depth == 0) return false;
        nint consts = Py.GetAttr(outer, "co_consts"u8);
        bool found = false;
        for (long i = 0; consts != 0 && Py.TypeOf(consts) == Py.TupleType && i < Py.VarSize(consts) && !found; i++)
        {
            nint item = ((nint*)(consts + 24))[i];
            found = Py.TypeOf(item) == Py.CodeType && (item == code || HoldsCode(item, code, depth - 1));
        }
        Py.DecRef(consts);
        return found;
    }

    // deque(range(200)) less 70 from the left, one pushed back and 5 more on the right: its blocks walked as the
    // formatter walks them, against the deque's own iterator; and a bounded deque's maxlen.
    private static bool DequeLayout()
    {
        nint deque = Py.LoadedModuleItem("_collections"u8, "deque"u8);
        nint d = Call(deque, Call(Py.RangeType, Py.LongFromLongLong(200)));
        bool ok = d != 0;
        for (int i = 0; ok && i < 70; i++) ok = CallMethod(d, "popleft"u8, 0);
        ok = ok && CallMethod(d, "appendleft"u8, Py.LongFromLongLong(-1)) && CallMethod(d, "extend"u8, Call(Py.RangeType, Py.LongFromLongLong(5)));
        ok = ok && SameItems(d, Py.VarSize(d)) && *(long*)(d + 64) == -1;
        nint bounded = ok ? Call(deque, Py.Tuple(Py.TupleNew(0), Py.LongFromLongLong(7)), tuple: true) : 0;
        ok = ok && bounded != 0 && *(long*)(bounded + 64) == 7;
        Py.DecRef(bounded);
        Py.DecRef(d);
        Py.ErrClear();
        return ok;
    }

    private static bool SameItems(nint d, long size)
    {
        nint iterator = Py.GetIter(d);
        nint block = *(nint*)(d + 24);
        long index = *(long*)(d + 40);
        bool same = iterator != 0 && size == 136;
        for (long i = 0; same && i < size; i++)
        {
            nint item = Py.IterNext(iterator);
            same = item == ((nint*)(block + 8))[index];
            Py.DecRef(item);
            if (++index == DequeBlockLength) { block = *(nint*)(block + 8 + DequeBlockLength * 8); index = 0; }
        }
        Py.DecRef(iterator);
        return same;
    }

    // An OrderedDict reordered by move_to_end both ways and a deletion: its links walked against its own iterator.
    private static bool OrderedDictLayout()
    {
        nint od = Call(Py.ODictType, 0);
        bool ok = od != 0;
        for (int i = 0; ok && i < 6; i++)
        {
            nint key = Py.LongFromLongLong(i);
            ok = Py.SetItem(od, key, key) == 0;
            Py.DecRef(key);
        }
        ok = ok && CallMethod(od, "move_to_end"u8, Py.LongFromLongLong(2)) && CallMethod(od, "popitem"u8, Py.False, steal: false);
        nint iterator = ok ? Py.GetIter(od) : 0;
        int count = 0;
        for (nint node = *(nint*)(od + DictSize); ok && node != 0; node = *(nint*)(node + 16), count++)
        {
            nint key = Py.IterNext(iterator);
            ok = key == *(nint*)node;
            Py.DecRef(key);
        }
        ok = ok && count == 5 && Py.IterNext(iterator) == 0;
        Py.DecRef(iterator);
        Py.DecRef(od);
        Py.ErrClear();
        return ok;
    }

    private static bool DefaultDictLayout()
    {
        nint d = Call(Py.LoadedModuleItem("_collections"u8, "defaultdict"u8), Py.ListType, steal: false);
        bool ok = d != 0 && *(nint*)(d + DictSize) == Py.ListType;
        Py.DecRef(d);
        Py.ErrClear();
        return ok;
    }

    // partial(list, 1): fn, args and keywords, first after the head.
    private static bool PartialLayout()
    {
        Py.IncRef(Py.ListType); // the tuple steals it
        nint p = Call(Py.LoadedModuleItem("_functools"u8, "partial"u8), Py.Tuple(Py.ListType, Py.LongFromLongLong(1)), tuple: true);
        bool ok = p != 0 && *(nint*)(p + 16) == Py.ListType && Py.TypeOf(*(nint*)(p + 24)) == Py.TupleType
            && Py.VarSize(*(nint*)(p + 24)) == 1 && Py.TypeOf(*(nint*)(p + 32)) == Py.DictType;
        Py.DecRef(p);
        Py.ErrClear();
        return ok;
    }

    // CALLABLE(ARGUMENT) (no argument when 0), stealing ARGUMENT unless told not to; a new reference or 0.
    private static nint Call(nint callable, nint argument, bool steal = true, bool tuple = false)
    {
        if (callable == 0) return 0;
        if (argument != 0 && !steal) Py.IncRef(argument);
        nint args = argument == 0 ? 0 : tuple ? argument : Py.Tuple(argument);
        nint result = Py.CallObject(callable, args);
        Py.DecRef(args);
        return result;
    }

    private static bool CallMethod(nint o, ReadOnlySpan<byte> nameZ, nint argument, bool steal = true)
    {
        nint method = Py.GetAttr(o, nameZ);
        nint result = Call(method, argument, steal);
        Py.DecRef(method);
        Py.DecRef(result);
        return result != 0;
    }
}
