namespace Pytrace.Generator.Tracing;

/// <summary>What the formatter needs about one type, learned the first time a value of it is seen.</summary>
internal unsafe struct TypeInfo
{
    public uint Id;
    public uint DefinedEpoch;
    public TypeKind Kind;
    /// <summary>The class's version tag when it was classified: another means the class changed since (Py.TypeVersion).</summary>
    public uint VersionTag;
    public byte Reclassifications;
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
    /// <summary>DataClass: the names (held str) of the fields its repr shows, in order.</summary>
    public nint* Fields;
    public int FieldCount;
    /// <summary>DataClass: the class's __qualname__; EnumMember, Counter: its __name__ (UTF-8), as their reprs begin.</summary>
    public byte* ReprName;
    public int ReprNameLength;
    /// <summary>EnumMember on 3.11+: the built-in type whose __repr__ is the class's _value_repr_ (0: plain repr).</summary>
    public nint ValueReprType;
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
    // The kinds from here on are written by LibraryValues.
    /// <summary>collections.deque, or a subclass keeping its repr and iteration: deque([1, 2], maxlen=5).</summary>
    Deque,
    /// <summary>collections.defaultdict, or a subclass keeping its repr: defaultdict(&lt;class 'list'&gt;, {...}).</summary>
    DefaultDict,
    /// <summary>collections.OrderedDict (exactly) and its views, in the order of its links.</summary>
    OrderedDict, ODictKeys, ODictValues, ODictItems,
    /// <summary>types.SimpleNamespace, or a subclass keeping its repr: namespace(a=1).</summary>
    Namespace,
    Slice,
    MappingProxy,
    /// <summary>A bound method of a Python function: &lt;bound method C.f of &lt;C object at 0x...&gt;&gt;.</summary>
    BoundMethod,
    /// <summary>functools.partial (exactly): functools.partial(&lt;function f at 0x...&gt;, 1, key=2).</summary>
    Partial,
    /// <summary>A generator, coroutine or async generator: &lt;generator object f at 0x...&gt;, named by its __qualname__.</summary>
    Generator,
    /// <summary>staticmethod or classmethod on 3.10+, where they have a repr: &lt;staticmethod(&lt;function f at 0x...&gt;)&gt;.</summary>
    MethodWrapper,
    /// <summary>collections.Counter, or a subclass keeping what its repr calls: Counter({'a': 2, 'b': 1}), the most common first.</summary>
    Counter,
    /// <summary>An instance whose repr is the one dataclasses generated: Point(x=1, y=2), its fields read without user code.</summary>
    DataClass,
    /// <summary>A member of an enum whose repr is Enum.__repr__: &lt;Color.RED: 1&gt;.</summary>
    EnumMember,
    /// <summary>re.Match: &lt;re.Match object; span=(0, 3), match='abc'&gt;, by its C repr, for a short exact str or bytes subject.</summary>
    ReMatch,
    /// <summary>array.array (exactly): array('i', [1, 2]), by its C repr, for up to MaxArrayItems items.</summary>
    Array,
}
