using System.Text;
using Pytrace.Generator.Interop;

namespace Pytrace.Generator.Tracing;

/// <summary>
/// Standard-library types whose repr the formatter writes itself (LibraryValues), because repr() would show more
/// than <c>object.__repr__</c> and runs no code of the program's: collections' deque, defaultdict and OrderedDict,
/// SimpleNamespace, slice, mappingproxy, staticmethod and classmethod, dataclass instances, enum members, re.Match
/// and array.array. Types are known by identity and by their repr slot or function; the C layouts read are checked
/// against the interpreter's own iteration (LibraryLayouts), and a type whose check fails stays opaque.
/// </summary>
internal static unsafe class LibraryTypes
{
    /// <summary>A dataclass with more fields in its repr than this is left opaque (they are read before writing).</summary>
    public const int MaxDataClassFields = 64;
    public static nint NameKey, ValueKey, QualNameKey, ReprKey;

    public static void Initialize()
    {
        NameKey = Py.NewString("_name_");
        ValueKey = Py.NewString("_value_");
        QualNameKey = Py.NewString("__qualname__");
        ReprKey = Py.NewString("__repr__");
        LibraryLayouts.Initialize();
    }

    public static TypeKind Classify(nint type, TypeInfo* info)
    {
        nint repr = Py.Slot(type, Py.TpReprOffset);
        if (type == Py.ODictType) return LibraryLayouts.OrderedDict ? TypeKind.OrderedDict : TypeKind.Opaque;
        if (type == Py.ODictKeysType || type == Py.ODictValuesType || type == Py.ODictItemsType)
            return !LibraryLayouts.OrderedDict ? TypeKind.Opaque
                : type == Py.ODictKeysType ? TypeKind.ODictKeys : type == Py.ODictValuesType ? TypeKind.ODictValues : TypeKind.ODictItems;
        if (type == Py.SliceType) return TypeKind.Slice;
        if (type == Py.GenType || type == Py.CoroType || type == Py.AsyncGenType)
            return LibraryLayouts.GeneratorQualNameOffset != 0 ? TypeKind.Generator : TypeKind.Opaque;
        if (type == Py.DictProxyType) return TypeKind.MappingProxy;
        if (type == Py.BoundMethodType) return TypeKind.BoundMethod;
        if (TypeClassifier.IsLoaded(type, "_functools"u8, "partial"u8)) return LibraryLayouts.Partial ? TypeKind.Partial : TypeKind.Opaque;
        if (Keeps(type, Py.StaticMethodType) || Keeps(type, Py.ClassMethodType))
            return repr != Py.Slot(Py.BaseObjectType, Py.TpReprOffset) ? TypeKind.MethodWrapper : TypeKind.Opaque;
        if (Py.NamespaceType != 0 && Keeps(type, Py.NamespaceType)) return TypeKind.Namespace;
        nint deque = Py.LoadedModuleItem("_collections"u8, "deque"u8);
        if (deque != 0 && Keeps(type, deque) && Py.Slot(type, Py.TpIterOffset) == Py.Slot(deque, Py.TpIterOffset))
            return LibraryLayouts.Deque ? TypeKind.Deque : TypeKind.Opaque;
        nint defaultDict = Py.LoadedModuleItem("_collections"u8, "defaultdict"u8);
        if (defaultDict != 0 && Keeps(type, defaultDict))
            return LibraryLayouts.DefaultDict ? TypeKind.DefaultDict : TypeKind.Opaque;
        if (TypeClassifier.IsLoaded(type, "re"u8, "Match"u8) && repr != TypeClassifier.PythonReprSlot) return TypeKind.ReMatch;
        // By its alias ArrayType: the class is seen while its module still runs (3.12's exec registers it with
        // collections.abc.MutableSequence, in Python, before it adds the name array; ArrayType is there already).
        if (TypeClassifier.IsLoaded(type, "array"u8, "ArrayType"u8) && repr != TypeClassifier.PythonReprSlot) return TypeKind.Array;
        if (repr != TypeClassifier.PythonReprSlot || Py.Slot(type, Py.TpGetAttroOffset) != Py.GenericGetAttrFunction) return TypeKind.Opaque;
        if (Counter(type, info)) return TypeKind.Counter;
        if (DataClass(type, info)) return TypeKind.DataClass;
        if (EnumMember(type, info)) return TypeKind.EnumMember;
        return TypeKind.Opaque;
    }

    /// <summary>TYPE is OF, or a subclass that keeps its repr.</summary>
    private static bool Keeps(nint type, nint of) =>
        type == of || (Py.IsSubtype(type, of) && Py.Slot(type, Py.TpReprOffset) == Py.Slot(of, Py.TpReprOffset));

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
        nint repr = Py.TypeLookup(type, ReprKey, out nint owner);
        nint fields = owner == 0 ? 0 : Py.DictItem(Py.Slot(owner, Py.TpDictOffset), "__dataclass_fields__"u8);
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
        if (counter == 0 || !Py.IsSubtype(type, counter)) return false;
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
}
