using System.Runtime.InteropServices;
using System.Text;
using Pytrace.Generator.Interop;
using Pytrace.Records;

namespace Pytrace.Generator.Tracing;

/// <summary>Interns types: an id and a definition record per type, and how the formatter treats its values.</summary>
internal static unsafe class TypeRegistry
{
    private static NativeMap<TypeInfo> s_types;
    private static uint s_nextId = 1;
    private const int TpReprOffset = 88;

    /// <summary>C types whose repr runs no Python code, touches no user object and costs little.</summary>
    private static readonly string[] s_safeReprNames =
    [
        "datetime.datetime", "datetime.date", "datetime.time", "datetime.timedelta", "datetime.timezone",
        "decimal.Decimal", "re.Pattern", "method_descriptor", "wrapper_descriptor", "getset_descriptor",
        "NotImplementedType", "ellipsis", "NoneType",
    ];

    public static TypeInfo* Get(nint type)
    {
        TypeInfo* info = s_types.Find(type);
        return info != null ? info : Define(type);
    }

    private static TypeInfo* Define(nint type)
    {
        Py.IncRef(type); // keeps the address from being reused by another type
        TypeInfo* info = s_types.Add(type);
        info->Id = s_nextId++;
        info->Kind = Classify(type, out info->BaseKind, out info->ReprOverridden);

        string qualName = Py.AttrString(type, "__qualname__"u8) ?? TpName(type);
        string module = Py.AttrString(type, "__module__"u8) ?? "";
        string fullName = module is "" or "builtins" ? qualName : module + "." + qualName;
        info->FullName = Py.Utf8Z(fullName);
        info->FullNameLength = Encoding.UTF8.GetByteCount(fullName);

        int capacity = 16 + 2 * Encoding.UTF8.GetByteCount(qualName);
        byte* buffer = (byte*)NativeMemory.Alloc((nuint)capacity);
        var b = new RecordBuilder(buffer, capacity, RecordKind.TypeDef);
        b.U32(info->Id);
        b.Utf8(Encoding.UTF8.GetBytes(qualName));
        info->DefinitionLength = b.Finish();
        info->Definition = buffer;
        return info;
    }

    private static TypeKind Classify(nint type, out TypeKind baseKind, out bool reprOverridden)
    {
        baseKind = TypeKind.Opaque;
        reprOverridden = false;
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
        if (Py.IsSubtype(type, Py.TypeType)) return TypeKind.Class;
        if (type == Py.FunctionType || type == Py.CFunctionType || type == Py.ComplexType
            || type == Py.RangeType || type == Py.CodeType || Array.IndexOf(s_safeReprNames, TpName(type)) >= 0)
            return TypeKind.SafeRepr;
        if (Py.IsSubtype(type, Py.BaseExceptionType)) return TypeKind.Exception;
        ReadOnlySpan<(nint Type, TypeKind Kind)> bases =
        [
            (Py.LongType, TypeKind.Int), (Py.FloatType, TypeKind.Float), (Py.UnicodeType, TypeKind.Str),
            (Py.BytesType, TypeKind.Bytes), (Py.ListType, TypeKind.List), (Py.TupleType, TypeKind.Tuple),
            (Py.DictType, TypeKind.Dict), (Py.SetType, TypeKind.Set), (Py.FrozenSetType, TypeKind.FrozenSet),
        ];
        foreach (var (baseType, kind) in bases)
        {
            if (!Py.IsSubtype(type, baseType)) continue;
            baseKind = kind;
            reprOverridden = *(nint*)(type + TpReprOffset) != *(nint*)(baseType + TpReprOffset);
            return TypeKind.Subclass;
        }
        return TypeKind.Opaque;
    }

    private static string TpName(nint type) => Marshal.PtrToStringUTF8(*(nint*)(type + 24)) ?? "?";

}
