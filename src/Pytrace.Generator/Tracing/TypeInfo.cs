namespace Pytrace.Generator.Tracing;

/// <summary>What the formatter needs about one type, learned the first time a value of it is seen.</summary>
internal unsafe struct TypeInfo
{
    public uint Id;
    public uint DefinedEpoch;
    public TypeKind Kind;
    /// <summary>For subclasses of built-in values and containers: the built-in kind to format as.</summary>
    public TypeKind BaseKind;
    /// <summary>True when a Python class overrides __repr__ (so the base's repr would mislead).</summary>
    public bool ReprOverridden;
    /// <summary>UTF-8 "module.QualName" (module omitted for builtins), for &lt;... object at 0x...&gt;.</summary>
    public byte* FullName;
    public int FullNameLength;
    public byte* Definition;
    public int DefinitionLength;
}

internal enum TypeKind : byte
{
    Opaque = 0,
    None, Bool, Int, Float, Str, Bytes, List, Tuple, Dict, Set, FrozenSet,
    /// <summary>A C type whose repr runs no user code and costs little (functions, classes, modules, ranges...).</summary>
    SafeRepr,
    Module,
    Subclass,
    /// <summary>An exception instance: formatted as Type(args...).</summary>
    Exception,
    /// <summary>A class (any metaclass): &lt;class 'module.QualName'&gt;, without calling the metaclass's repr.</summary>
    Class,
}
