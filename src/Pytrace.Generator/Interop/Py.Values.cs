namespace Pytrace.Generator.Interop;

/// <summary>Numbers, strings, containers: what the value formatter and the module API read.</summary>
internal static unsafe partial class Py
{
    public static delegate* unmanaged[SuppressGCTransition]<nint, int*, long> LongAsLongLongAndOverflow;
    public static delegate* unmanaged<nint, nuint> LongNumBits;
    public static delegate* unmanaged<long, nint> LongFromLongLong;
    public static delegate* unmanaged<nint, nint*, byte*> UnicodeAsUtf8AndSize;
    public static delegate* unmanaged<byte*, nint, nint> UnicodeFromUtf8;
    public static delegate* unmanaged[SuppressGCTransition]<nint, nint*, nint*, nint*, int> DictNext;
    public static delegate* unmanaged<nint> DictNew;
    public static delegate* unmanaged<nint, nint, nint> DictGetItem;
    public static delegate* unmanaged<nint, byte*, nint, int> DictSetItemString;
    public static delegate* unmanaged<nint, byte*, nint> DictGetItemString;
    public static delegate* unmanaged<nint, nint> DictKeys;
    public static delegate* unmanaged<nint, int> ListSort;
    public static delegate* unmanaged[SuppressGCTransition]<nint, nint*, nint*, long*, int> SetNextEntry;
    public static delegate* unmanaged<nint, nint> TupleNew;
    public static delegate* unmanaged<nint, nint, nint, int> TupleSetItem;
    public static delegate* unmanaged<nint, byte*> ModuleGetName;

    private static void ResolveValues()
    {
        LongAsLongLongAndOverflow = (delegate* unmanaged[SuppressGCTransition]<nint, int*, long>)Require("PyLong_AsLongLongAndOverflow");
        LongNumBits = (delegate* unmanaged<nint, nuint>)Optional("_PyLong_NumBits");
        LongFromLongLong = (delegate* unmanaged<long, nint>)Require("PyLong_FromLongLong");
        UnicodeAsUtf8AndSize = (delegate* unmanaged<nint, nint*, byte*>)Require("PyUnicode_AsUTF8AndSize");
        UnicodeFromUtf8 = (delegate* unmanaged<byte*, nint, nint>)Require("PyUnicode_FromStringAndSize");
        DictNext = (delegate* unmanaged[SuppressGCTransition]<nint, nint*, nint*, nint*, int>)Require("PyDict_Next");
        DictNew = (delegate* unmanaged<nint>)Require("PyDict_New");
        DictGetItem = (delegate* unmanaged<nint, nint, nint>)Require("PyDict_GetItem");
        DictSetItemString = (delegate* unmanaged<nint, byte*, nint, int>)Require("PyDict_SetItemString");
        DictGetItemString = (delegate* unmanaged<nint, byte*, nint>)Require("PyDict_GetItemString");
        DictKeys = (delegate* unmanaged<nint, nint>)Require("PyDict_Keys");
        ListSort = (delegate* unmanaged<nint, int>)Require("PyList_Sort");
        SetNextEntry = (delegate* unmanaged[SuppressGCTransition]<nint, nint*, nint*, long*, int>)Optional("_PySet_NextEntry");
        TupleNew = (delegate* unmanaged<nint, nint>)Require("PyTuple_New");
        TupleSetItem = (delegate* unmanaged<nint, nint, nint, int>)Require("PyTuple_SetItem");
        ModuleGetName = (delegate* unmanaged<nint, byte*>)Require("PyModule_GetName");
    }

    public static long VarSize(nint o) => *(long*)(o + 16);

    /// <summary>Copies a str into a managed string (cold paths: names, file paths).</summary>
    public static string? ToManaged(nint str)
    {
        if (str == 0) return null;
        nint size;
        byte* p = UnicodeAsUtf8AndSize(str, &size);
        if (p == null) { ErrClear(); return null; }
        return System.Text.Encoding.UTF8.GetString(p, (int)size);
    }

    /// <summary>getattr(o, name) when it is a str, as a managed string (cold paths); null otherwise.</summary>
    public static string? AttrString(nint o, ReadOnlySpan<byte> nameZ)
    {
        nint value = GetAttr(o, nameZ);
        if (value == 0) return null;
        string? s = TypeOf(value) == UnicodeType ? ToManaged(value) : null;
        DecRef(value);
        return s;
    }

    /// <summary>A borrowed dict[key] for a literal key, or 0 (no error set).</summary>
    public static nint DictItem(nint dict, ReadOnlySpan<byte> keyZ)
    {
        fixed (byte* key = keyZ) return DictGetItemString(dict, key);
    }

    /// <summary>getattr(o, name) as managed strings when it is a tuple (of str; anything else reads "?"); empty otherwise.</summary>
    public static string[] StringTupleAttr(nint o, ReadOnlySpan<byte> nameZ)
    {
        nint t = GetAttr(o, nameZ);
        if (t == 0) return [];
        var result = new string[TypeOf(t) == TupleType ? VarSize(t) : 0];
        for (int i = 0; i < result.Length; i++) result[i] = ToManaged(((nint*)(t + 24))[i]) ?? "?";
        DecRef(t);
        return result;
    }

    public static nint NewString(string s)
    {
        byte* p = Utf8Z(s);
        nint r = UnicodeFromUtf8(p, System.Text.Encoding.UTF8.GetByteCount(s));
        System.Runtime.InteropServices.NativeMemory.Free(p);
        return r;
    }

    /// <summary>Builds a tuple, stealing the given references.</summary>
    public static nint Tuple(params ReadOnlySpan<nint> items)
    {
        nint t = TupleNew(items.Length);
        for (int i = 0; i < items.Length; i++) TupleSetItem(t, i, items[i]);
        return t;
    }
}
