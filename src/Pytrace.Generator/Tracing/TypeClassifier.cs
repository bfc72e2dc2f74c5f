using Pytrace.Generator.Interop;

namespace Pytrace.Generator.Tracing;

/// <summary>
/// Decides how values of a type are formatted, by the type's identity and its repr slot, never by its name: a class
/// of the program's own called <c>NoneType</c> or <c>datetime</c> is the program's class.
/// </summary>
internal static unsafe class TypeClassifier
{
    /// <summary>tp_repr of classes that define __repr__ in Python (slot_tp_repr), learned from a probe class.</summary>
    public static nint PythonReprSlot;

    private static readonly (nint Type, TypeKind Kind)[] s_builtinBases = new (nint, TypeKind)[9];

    public static TypeKind Classify(nint type, TypeInfo* info)
    {
        info->BaseKind = TypeKind.Opaque;
        if (type == Py.TypeOf(Py.None)) return TypeKind.None;
        if (type == Py.BoolType) return TypeKind.Bool;
        if (type == Py.LongType) return TypeKind.Int;
        if (type == Py.FloatType) return TypeKind.Float;
        if (type == Py.UnicodeType) return TypeKind.Str;
        if (type == Py.BytesType) return TypeKind.Bytes;
        if (type == Py.ListType) return TypeKind.List;
        if (type == Py.TupleType) return TypeKind.Tuple;
        if (type == Py.DictType) return TypeKind.Dict;
        if (type == Py.SetType) return TypeKind.Set;
        if (type == Py.FrozenSetType) return TypeKind.FrozenSet;
        if (type == Py.ModuleType) return TypeKind.Module;
        if (type == Py.DictKeysType) return TypeKind.DictKeys;
        if (type == Py.DictValuesType) return TypeKind.DictValues;
        if (type == Py.DictItemsType) return TypeKind.DictItems;
        if (Py.IsSubtype(type, Py.ByteArrayType) && Py.Slot(type, Py.TpReprOffset) == Py.Slot(Py.ByteArrayType, Py.TpReprOffset))
            return TypeKind.ByteArray;
        bool ownRepr = Py.Slot(type, Py.TpReprOffset) == PythonReprSlot;
        if (Py.IsSubtype(type, Py.TypeType))
            return Py.Slot(type, Py.TpReprOffset) == Py.Slot(Py.TypeType, Py.TpReprOffset) ? TypeKind.Class : TypeKind.Opaque;
        if (IsSafeRepr(type)) return TypeKind.SafeRepr;
        if (IsLoaded(type, "_datetime"u8, "datetime"u8) || IsLoaded(type, "_datetime"u8, "time"u8)) return TypeKind.DateTime;
        if (Py.IsSubtype(type, Py.BaseExceptionType))
            return Py.Slot(type, Py.TpReprOffset) == Py.Slot(Py.BaseExceptionType, Py.TpReprOffset) ? TypeKind.Exception : TypeKind.Opaque;
        if (LibraryTypes.Classify(type, info) is var library and not TypeKind.Opaque) return library;
        if (ownRepr) return IsNamedTuple(type) ? TypeKind.NamedTuple : TypeKind.Opaque;
        if (AwaitsItsModule(type)) return TypeKind.Pending;
        foreach (var (baseType, kind) in BuiltinBases())
        {
            if (!Py.IsSubtype(type, baseType)) continue;
            // A subclass that keeps the built-in repr reads exactly like the built-in (MyList([1]) is [1]).
            if (Py.Slot(type, Py.TpReprOffset) != Py.Slot(baseType, Py.TpReprOffset)) return TypeKind.Opaque;
            info->BaseKind = kind;
            return TypeKind.Subclass;
        }
        return TypeKind.Opaque;
    }

    /// <summary>C types whose repr runs no Python code, touches no object of the program's and costs little.</summary>
    private static bool IsSafeRepr(nint type) =>
        type == Py.FunctionType || type == Py.CFunctionType || type == Py.ComplexType || type == Py.RangeType
        || type == Py.CodeType || type == Py.MethodDescrType || type == Py.WrapperDescrType || type == Py.GetSetDescrType
        || type == Py.MemberDescrType || type == Py.ClassMethodDescrType || type == Py.NotImplementedType
        || type == Py.EllipsisType || type == Py.MemoryViewType || type == Py.MethodWrapperType || type == Py.SuperType
        || IsLoaded(type, "_datetime"u8, "date"u8) || IsLoaded(type, "_datetime"u8, "timedelta"u8)
        || IsLoaded(type, "_datetime"u8, "timezone"u8) || IsLoaded(type, "_decimal"u8, "Decimal"u8)
        || (IsLoaded(type, "re"u8, "Pattern"u8) && Py.Slot(type, Py.TpReprOffset) != PythonReprSlot);

    /// <summary>
    /// A C type seen while its module is still initialising (decimal registers Decimal with numbers.Number from its
    /// init): which type it is can be told only once the module is in sys.modules. The name only says to look again.
    /// </summary>
    private static bool AwaitsItsModule(nint type)
    {
        if (Py.IsHeapType(type) && Py.Slot(type, Py.TpReprOffset) == PythonReprSlot) return false;
        string name = Py.TypeFullName(type);
        return name switch
        {
            "datetime.date" or "datetime.datetime" or "datetime.time" or "datetime.timedelta" or "datetime.timezone"
                => Py.LoadedModuleItem("_datetime"u8, "date"u8) == 0,
            "decimal.Decimal" => Py.LoadedModuleItem("_decimal"u8, "Decimal"u8) == 0,
            "re.Pattern" => Py.LoadedModuleItem("re"u8, "Pattern"u8) == 0,
            "re.Match" => Py.LoadedModuleItem("re"u8, "Match"u8) == 0,
            "array.array" => Py.LoadedModuleItem("array"u8, "ArrayType"u8) == 0,
            _ => false,
        };
    }

    /// <summary>Whether the type is the one that an already imported module defines under that name.</summary>
    public static bool IsLoaded(nint type, ReadOnlySpan<byte> moduleZ, ReadOnlySpan<byte> nameZ)
    {
        nint found = Py.LoadedModuleItem(moduleZ, nameZ);
        return found != 0 && found == type;
    }

    /// <summary>
    /// A tuple class whose __repr__ is the one collections.namedtuple gives every class it makes (one code object,
    /// a constant of namedtuple itself), with str _fields: its repr, Name(x=1, y=2), can be written natively.
    /// </summary>
    private static bool IsNamedTuple(nint type)
    {
        if (!Py.IsSubtype(type, Py.TupleType)) return false;
        nint repr = Py.TypeLookup(type, "__repr__"u8);
        if (repr == 0 || Py.TypeOf(repr) != Py.FunctionType) return false;
        nint factory = Py.LoadedModuleItem("collections"u8, "namedtuple"u8);
        if (factory == 0 || Py.TypeOf(factory) != Py.FunctionType) return false;
        nint code = Py.FunctionGetCode(repr);
        nint consts = Py.GetAttr(Py.FunctionGetCode(factory), "co_consts"u8);
        bool made = false;
        for (long i = 0; consts != 0 && i < Py.VarSize(consts); i++) made |= ((nint*)(consts + 24))[i] == code;
        Py.DecRef(consts);
        return made && NamedTupleFields(type) != 0;
    }

    /// <summary>The class's _fields when it is a tuple of str (borrowed), else 0.</summary>
    public static nint NamedTupleFields(nint type)
    {
        nint fields = Py.TypeLookup(type, "_fields"u8);
        if (fields == 0 || Py.TypeOf(fields) != Py.TupleType) return 0;
        for (long i = 0; i < Py.VarSize(fields); i++)
            if (Py.TypeOf(((nint*)(fields + 24))[i]) != Py.UnicodeType) return 0;
        return fields;
    }

    /// <summary>A datetime or time whose tzinfo is absent or a datetime.timezone: its repr is the C one.</summary>
    public static bool HasPlainZone(nint value)
    {
        nint zone = Py.GetAttr(value, "tzinfo"u8);
        if (zone == 0) return false;
        bool plain = zone == Py.None || IsLoaded(Py.TypeOf(zone), "_datetime"u8, "timezone"u8);
        Py.DecRef(zone);
        return plain;
    }

    private static ReadOnlySpan<(nint Type, TypeKind Kind)> BuiltinBases()
    {
        if (s_builtinBases[0].Type == 0)
        {
            s_builtinBases[0] = (Py.LongType, TypeKind.Int);
            s_builtinBases[1] = (Py.FloatType, TypeKind.Float);
            s_builtinBases[2] = (Py.UnicodeType, TypeKind.Str);
            s_builtinBases[3] = (Py.BytesType, TypeKind.Bytes);
            s_builtinBases[4] = (Py.ListType, TypeKind.List);
            s_builtinBases[5] = (Py.TupleType, TypeKind.Tuple);
            s_builtinBases[6] = (Py.DictType, TypeKind.Dict);
            s_builtinBases[7] = (Py.SetType, TypeKind.Set);
            s_builtinBases[8] = (Py.FrozenSetType, TypeKind.FrozenSet);
        }
        return s_builtinBases;
    }
}
