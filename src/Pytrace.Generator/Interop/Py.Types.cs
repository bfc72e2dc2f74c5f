namespace Pytrace.Generator.Interop;

/// <summary>
/// Type objects read without running Python code: slots and flags from the PyTypeObject layout (stable on 3.8-3.13
/// up to tp_descr_get), names through type's own descriptors (a metaclass's __getattribute__ or properties are
/// never asked), weak references to heap types, and look-ups in modules that are already loaded.
/// </summary>
internal static unsafe partial class Py
{
    public const int TpNameOffset = 24, TpBasicSizeOffset = 32, TpReprOffset = 88, TpGetAttroOffset = 144,
        TpFlagsOffset = 168, TpIterOffset = 216, TpDictOffset = 264, TpDescrGetOffset = 272, TpMroOffset = 344,
        TpVersionTagOffset = 384;
    private const ulong HeapTypeFlag = 1UL << 9, ValidVersionTagFlag = 1UL << 19;

    public static nint MethodDescrType, WrapperDescrType, GetSetDescrType, MemberDescrType, ClassMethodDescrType,
        NotImplementedType, EllipsisType, ByteArrayType, SliceType, DictProxyType, GenType, CoroType, AsyncGenType,
        MemoryViewType, SuperType, ODictType, ODictKeysType, ODictValuesType, ODictItemsType, StaticMethodType, ClassMethodType,
        NamespaceType, BaseObjectType, BoundMethodType, MethodWrapperType;
    /// <summary>object's tp_getattro: a type that keeps it reads attributes without running a __getattribute__.</summary>
    public static nint GenericGetAttrFunction;
    public static delegate* unmanaged<nint, nint, nint> GenericGetAttr;
    /// <summary>_PyType_Lookup: the MRO look-up through the type cache, which gives the type a version tag when it can.</summary>
    public static delegate* unmanaged<nint, nint, nint> TypeCacheLookup;
    public static delegate* unmanaged<nint, nint, nint> WeakrefNewRef;
    public static delegate* unmanaged<nint, nint> FunctionGetCode;
    private static nint s_qualNameDescr, s_moduleDescr, s_nameDescr;

    private static void ResolveTypes()
    {
        MethodDescrType = Require("PyMethodDescr_Type");
        WrapperDescrType = Require("PyWrapperDescr_Type");
        GetSetDescrType = Require("PyGetSetDescr_Type");
        MemberDescrType = Require("PyMemberDescr_Type");
        ClassMethodDescrType = Require("PyClassMethodDescr_Type");
        NotImplementedType = Require("_PyNotImplemented_Type");
        EllipsisType = Require("PyEllipsis_Type");
        ByteArrayType = Require("PyByteArray_Type");
        BaseObjectType = Require("PyBaseObject_Type");
        SliceType = Require("PySlice_Type");
        DictProxyType = Require("PyDictProxy_Type");
        GenType = Require("PyGen_Type");
        CoroType = Require("PyCoro_Type");
        AsyncGenType = Require("PyAsyncGen_Type");
        MemoryViewType = Require("PyMemoryView_Type");
        SuperType = Require("PySuper_Type");
        ODictType = Require("PyODict_Type");
        ODictKeysType = Require("PyODictKeys_Type");
        ODictValuesType = Require("PyODictValues_Type");
        ODictItemsType = Require("PyODictItems_Type");
        StaticMethodType = Require("PyStaticMethod_Type");
        ClassMethodType = Require("PyClassMethod_Type");
        BoundMethodType = Require("PyMethod_Type");
        nint wrapper = GetAttr(None, "__repr__"u8); // not exported on 3.13: the type of None.__repr__
        MethodWrapperType = wrapper != 0 ? TypeOf(wrapper) : 0;
        DecRef(wrapper);
        fixed (byte* name = "implementation"u8) NamespaceType = SysGetObject(name) is var implementation and not 0 ? TypeOf(implementation) : 0;
        TypeCacheLookup = (delegate* unmanaged<nint, nint, nint>)Require("_PyType_Lookup");
        GenericGetAttrFunction = Require("PyObject_GenericGetAttr");
        GenericGetAttr = (delegate* unmanaged<nint, nint, nint>)GenericGetAttrFunction;
        WeakrefNewRef = (delegate* unmanaged<nint, nint, nint>)Require("PyWeakref_NewRef");
        FunctionGetCode = (delegate* unmanaged<nint, nint>)Require("PyFunction_GetCode");
    }

    public static bool IsHeapType(nint type) => (*(ulong*)(type + TpFlagsOffset) & HeapTypeFlag) != 0;

    public static nint Slot(nint type, int offset) => *(nint*)(type + offset);

    /// <summary>
    /// tp_version_tag, which changes whenever the class or a base is changed; 0 while it has none (3.11+ clear it
    /// at a change, 3.8-3.10 clear only the flag that says it is valid).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static uint TypeVersion(nint type) =>
        Minor >= 11 || (*(ulong*)(type + TpFlagsOffset) & ValidVersionTagFlag) != 0 ? *(uint*)(type + TpVersionTagOffset) : 0;

    /// <summary>tp_name as it is ("decimal.Decimal" for a C type).</summary>
    public static string TypeFullName(nint type) =>
        System.Runtime.InteropServices.Marshal.PtrToStringUTF8(*(nint*)(type + TpNameOffset)) ?? "?";

    /// <summary>tp_name as CPython's _PyType_Name gives it: the part after the last dot.</summary>
    public static string ShortTypeName(nint type)
    {
        string name = TypeFullName(type);
        return name[(name.LastIndexOf('.') + 1)..];
    }

    /// <summary>type.__qualname__ of a class, by type's own getter.</summary>
    public static string? TypeQualName(nint type) => TypeAttr(type, ref s_qualNameDescr, "__qualname__");

    /// <summary>type.__name__ of a class, by type's own getter.</summary>
    public static string? TypeName(nint type) => TypeAttr(type, ref s_nameDescr, "__name__");

    /// <summary>type.__module__ of a class, by type's own getter (None or a non-str gives null).</summary>
    public static string? TypeModule(nint type) => TypeAttr(type, ref s_moduleDescr, "__module__");

    private static string? TypeAttr(nint type, ref nint descriptor, string name)
    {
        if (descriptor == 0)
        {
            nint dict = GetAttr(TypeType, "__dict__"u8);
            nint key = NewString(name);
            descriptor = dict == 0 ? 0 : GetItem(dict, key);
            if (descriptor == 0) ErrClear();
            DecRef(key);
            DecRef(dict);
            if (descriptor == 0) return null;
        }
        var get = (delegate* unmanaged<nint, nint, nint, nint>)Slot(TypeOf(descriptor), TpDescrGetOffset);
        nint value = get(descriptor, type, TypeOf(type));
        if (value == 0) { ErrClear(); return null; }
        string? text = TypeOf(value) == UnicodeType ? ToManaged(value) : null;
        DecRef(value);
        return text;
    }

    /// <summary>What the class's own or inherited attribute <paramref name="nameZ"/> is, found in the dictionaries of its MRO (borrowed), or 0.</summary>
    public static nint TypeLookup(nint type, ReadOnlySpan<byte> nameZ)
    {
        nint key;
        fixed (byte* name = nameZ) key = UnicodeFromUtf8(name, nameZ.Length);
        nint found = TypeLookup(type, key, out _);
        DecRef(key);
        return found;
    }

    /// <summary>TypeLookup by a str KEY; OWNER is the class of the MRO whose dictionary holds it.</summary>
    public static nint TypeLookup(nint type, nint key, out nint owner)
    {
        owner = 0;
        nint mro = Slot(type, TpMroOffset);
        if (key == 0 || mro == 0 || TypeOf(mro) != TupleType) return 0;
        for (long i = 0; i < VarSize(mro); i++)
        {
            owner = ((nint*)(mro + 24))[i];
            nint dict = Slot(owner, TpDictOffset);
            if (dict == 0 || TypeOf(dict) != DictType) continue;
            nint found = DictGetItem(dict, key);
            if (found != 0) return found;
        }
        owner = 0;
        return 0;
    }

    /// <summary>A borrowed reference to sys.modules[module].__dict__[name] when that module is loaded, else 0.</summary>
    public static nint LoadedModuleItem(ReadOnlySpan<byte> moduleZ, ReadOnlySpan<byte> nameZ)
    {
        nint modules;
        fixed (byte* key = "modules"u8) modules = SysGetObject(key);
        if (modules == 0 || TypeOf(modules) != DictType) return 0;
        nint module;
        fixed (byte* key = moduleZ) module = DictGetItemString(modules, key);
        if (module == 0 || TypeOf(module) != ModuleType) return 0;
        nint dict = *(nint*)(module + 16); // PyModuleObject.md_dict
        if (dict == 0 || TypeOf(dict) != DictType) return 0;
        fixed (byte* key = nameZ) return DictGetItemString(dict, key);
    }
}
