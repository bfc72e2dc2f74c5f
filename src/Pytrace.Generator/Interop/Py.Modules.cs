using System.Runtime.InteropServices;

namespace Pytrace.Generator.Interop;

/// <summary>Modules, imports and C-implemented function objects.</summary>
internal static unsafe partial class Py
{
    public const int MethVarArgs = 0x1, MethKeywords = 0x2, MethNoArgs = 0x4, MethO = 0x8, MethFastCall = 0x80;
    private const int ApiVersion = 1013;

    private static delegate* unmanaged<nint, int, nint> s_moduleCreate;
    public static delegate* unmanaged<byte*, nint> ImportModule;
    /// <summary>A borrowed reference to sys.NAME, or 0.</summary>
    public static delegate* unmanaged<byte*, nint> SysGetObject;
    public static delegate* unmanaged<nint, nint, nint, nint> CFunctionNew;
    public static delegate* unmanaged<byte*, int, nint, nint, nint, nint> RunString;

    private static void ResolveModules()
    {
        s_moduleCreate = (delegate* unmanaged<nint, int, nint>)Require("PyModule_Create2");
        ImportModule = (delegate* unmanaged<byte*, nint>)Require("PyImport_ImportModule");
        SysGetObject = (delegate* unmanaged<byte*, nint>)Require("PySys_GetObject");
        CFunctionNew = (delegate* unmanaged<nint, nint, nint, nint>)Require("PyCFunction_NewEx");
        RunString = (delegate* unmanaged<byte*, int, nint, nint, nint, nint>)Require("PyRun_StringFlags");
    }

    /// <summary>A PyMethodDef that lives forever (CPython keeps pointers to it).</summary>
    public static nint MethodDef(string name, void* function, int flags, string? doc = null)
    {
        var def = (nint*)NativeMemory.AllocZeroed(32);
        def[0] = (nint)Utf8Z(name);
        def[1] = (nint)function;
        *(int*)(def + 2) = flags;
        def[3] = doc is null ? 0 : (nint)Utf8Z(doc);
        return (nint)def;
    }

    /// <summary>Creates the module from a null-terminated PyMethodDef array (also never freed).</summary>
    public static nint CreateModule(string name, string doc, nint methods)
    {
        // PyModuleDef: PyModuleDef_Base (40 bytes) then name, doc, size, methods, slots, traverse, clear, free.
        var def = (nint*)NativeMemory.AllocZeroed(104);
        def[0] = 1; // ob_refcnt of the (static) base
        def[5] = (nint)Utf8Z(name);
        def[6] = (nint)Utf8Z(doc);
        def[7] = -1;
        def[8] = methods;
        return s_moduleCreate((nint)def, ApiVersion);
    }

    public static nint Import(string name)
    {
        byte* n = stackalloc byte[name.Length + 1];
        for (int i = 0; i < name.Length; i++) n[i] = (byte)name[i];
        n[name.Length] = 0;
        return ImportModule(n);
    }

    /// <summary>Runs source in <paramref name="globals"/> (Py_file_input); returns false with the error cleared.</summary>
    public static bool Exec(string source, nint globals)
    {
        byte* code = Utf8Z(source);
        nint result = RunString(code, 257, globals, globals, 0);
        NativeMemory.Free(code);
        if (result == 0) { ErrClear(); return false; }
        DecRef(result);
        return true;
    }

    /// <summary>A native null-terminated UTF-8 copy (cold paths only; caller frees or keeps forever).</summary>
    public static byte* Utf8Z(string s)
    {
        int n = System.Text.Encoding.UTF8.GetByteCount(s);
        var p = (byte*)NativeMemory.Alloc((nuint)n + 1);
        System.Text.Encoding.UTF8.GetBytes(s, new Span<byte>(p, n));
        p[n] = 0;
        return p;
    }
}
