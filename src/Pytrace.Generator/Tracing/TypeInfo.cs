namespace Pytrace.Generator.Tracing;

/// <summary>What the formatter needs about one type, learned the first time a value of it is seen.</summary>
internal unsafe struct TypeInfo
{
    public uint Id;
    public uint DefinedEpoch;
    public TypeKind Kind;
    /// <summary>For subclasses of built-in values and containers that keep the built-in repr: the kind to format as.</summary>
    public TypeKind BaseKind;
    /// <summary>UTF-8 "module.QualName" (module omitted for builtins), for &lt;... object at 0x...&gt;.</summary>
    public byte* FullName;
    public int FullNameLength;
    /// <summary>"&lt;module.QualName object at 0x" when the name is ASCII (else null): an object's text is this, its address and "&gt;".</summary>
    public byte* OpaquePrefix;
    public int OpaquePrefixLength;
    public byte* Definition;
    public int DefinitionLength;
}

internal enum TypeKind : byte
{
    Opaque = 0,
    None, Bool, Int, Float, Str, Bytes, List, Tuple, Dict, Set, FrozenSet,
    /// <summary>bytearray, or a subclass that keeps its repr.</summary>
    ByteArray,
    /// <summary>A C type whose repr runs no user code and costs little (functions, descriptors, ranges, dates...).</summary>
    SafeRepr,
    /// <summary>datetime.datetime or datetime.time: safe like SafeRepr unless its tzinfo is the program's own.</summary>
    DateTime,
    Module,
    Subclass,
    /// <summary>A C type whose module was still initialising when it was first seen: classified again at its next value.</summary>
    Pending,
    /// <summary>A class made by collections.namedtuple (or a subclass keeping its repr): Name(field=value, ...).</summary>
    NamedTuple,
    /// <summary>An exception whose repr is BaseException's: formatted natively as Type(args...).</summary>
    Exception,
    /// <summary>A view of a dict, d.keys(), d.values() or d.items(): dict_keys([...]), its dict's keys, values or pairs in a list.</summary>
    DictKeys, DictValues, DictItems,
    /// <summary>A class (any metaclass): &lt;class 'module.QualName'&gt;, without calling the metaclass's repr.</summary>
    Class,
}
