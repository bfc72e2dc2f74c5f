namespace Pytrace.Generator.Interop;

/// <summary>Reference counting, attributes, calls and the built-in type objects.</summary>
internal static unsafe partial class Py
{
    public static nint None, True, False;
    public static nint LongType, FloatType, UnicodeType, BytesType, BoolType, ListType, TupleType, DictType,
        SetType, FrozenSetType, CellType, CodeType, FunctionType, TypeType, ModuleType, ComplexType, RangeType,
        CFunctionType, BaseExceptionType, RuntimeErrorType, StopIterationType, StopAsyncIterationType,
        DictKeysType, DictValuesType, DictItemsType;

    private static delegate* unmanaged<nint, void> s_incRef, s_decRef;
    public static delegate* unmanaged<nint, byte*, nint> GetAttrString;
    public static delegate* unmanaged<nint, nint> Repr, Str;
    public static delegate* unmanaged<nint, nint, nint> CallObject;
    public static delegate* unmanaged<nint, nint, int> TypeIsSubtype;
    public static delegate* unmanaged<nint, nint> GetIter, IterNext;
    public static delegate* unmanaged<nint, nint, nint> GetItem;
    public static delegate* unmanaged<nint, nint, nint, int> SetItem;

    private static void ResolveObjects()
    {
        None = Require("_Py_NoneStruct");
        True = Require("_Py_TrueStruct");
        False = Require("_Py_FalseStruct");
        LongType = Require("PyLong_Type");
        FloatType = Require("PyFloat_Type");
        UnicodeType = Require("PyUnicode_Type");
        BytesType = Require("PyBytes_Type");
        BoolType = Require("PyBool_Type");
        ListType = Require("PyList_Type");
        TupleType = Require("PyTuple_Type");
        DictType = Require("PyDict_Type");
        SetType = Require("PySet_Type");
        FrozenSetType = Require("PyFrozenSet_Type");
        CellType = Require("PyCell_Type");
        CodeType = Require("PyCode_Type");
        FunctionType = Require("PyFunction_Type");
        TypeType = Require("PyType_Type");
        ModuleType = Require("PyModule_Type");
        ComplexType = Require("PyComplex_Type");
        RangeType = Require("PyRange_Type");
        DictKeysType = Require("PyDictKeys_Type");
        DictValuesType = Require("PyDictValues_Type");
        DictItemsType = Require("PyDictItems_Type");
        CFunctionType = Require("PyCFunction_Type");
        BaseExceptionType = *(nint*)Require("PyExc_BaseException");
        RuntimeErrorType = *(nint*)Require("PyExc_RuntimeError");
        StopIterationType = *(nint*)Require("PyExc_StopIteration");
        StopAsyncIterationType = *(nint*)Require("PyExc_StopAsyncIteration");
        s_incRef = (delegate* unmanaged<nint, void>)Require("Py_IncRef");
        s_decRef = (delegate* unmanaged<nint, void>)Require("Py_DecRef");
        GetAttrString = (delegate* unmanaged<nint, byte*, nint>)Require("PyObject_GetAttrString");
        Repr = (delegate* unmanaged<nint, nint>)Require("PyObject_Repr");
        Str = (delegate* unmanaged<nint, nint>)Require("PyObject_Str");
        CallObject = (delegate* unmanaged<nint, nint, nint>)Require("PyObject_CallObject");
        TypeIsSubtype = (delegate* unmanaged<nint, nint, int>)Require("PyType_IsSubtype");
        GetItem = (delegate* unmanaged<nint, nint, nint>)Require("PyObject_GetItem");
        SetItem = (delegate* unmanaged<nint, nint, nint, int>)Require("PyObject_SetItem");
        GetIter = (delegate* unmanaged<nint, nint>)Require("PyObject_GetIter");
        IterNext = (delegate* unmanaged<nint, nint>)Require("PyIter_Next");
    }

    public static void IncRef(nint o) { if (o != 0) s_incRef(o); }
    public static void DecRef(nint o) { if (o != 0) s_decRef(o); }

    /// <summary>A new reference to None, for C functions that return "nothing".</summary>
    public static nint NewNone() { s_incRef(None); return None; }

    public static nint TypeOf(nint o) => *(nint*)(o + 8);
    public static bool IsSubtype(nint type, nint of) => type == of || TypeIsSubtype(type, of) != 0;

    /// <summary>getattr with a literal name; returns a new reference or 0 with the error cleared.</summary>
    public static nint GetAttr(nint o, ReadOnlySpan<byte> nameZ)
    {
        fixed (byte* n = nameZ)
        {
            nint r = GetAttrString(o, n);
            if (r == 0) ErrClear();
            return r;
        }
    }
}
