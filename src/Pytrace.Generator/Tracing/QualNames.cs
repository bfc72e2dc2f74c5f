using Pytrace.Generator.Interop;

namespace Pytrace.Generator.Tracing;

/// <summary>
/// Qualified names before 3.11, where code objects carry none. The compiler's rule is applied to where the code is
/// defined: a code constant of a function is <c>parent.&lt;locals&gt;.name</c>, of a class body or comprehension
/// <c>parent.name</c>, of a module just <c>name</c>. Code seen running names the code it defines; code whose parent
/// ran before recording began is looked for among the functions and classes of its module, read from their
/// dictionaries, so no code of the program runs. What is found nowhere keeps its plain name.
/// </summary>
internal static unsafe class QualNames
{
    private const int CoOptimized = 0x1, CoNewLocals = 0x2;
    private const int MaxClassNesting = 4;

    /// <summary>Code constants of recorded code, by address; their parents are held by the registry, so addresses stay theirs.</summary>
    private static readonly Dictionary<nint, string> s_defined = [];
    private static nint s_staticMethodType, s_classMethodType, s_propertyType;

    public static string For(nint code, string name, nint globals)
    {
        if (!s_defined.Remove(code, out string? qualName)) qualName = FindInModule(code, globals) ?? name;
        foreach (var (child, childName) in Children(code, qualName)) s_defined.TryAdd(child, childName);
        return qualName;
    }

    /// <summary>The code constants of <paramref name="code"/> with the qualified names the compiler gives them.</summary>
    private static List<(nint Code, string QualName)> Children(nint code, string qualName)
    {
        var children = new List<(nint, string)>();
        nint consts = Py.GetAttr(code, "co_consts"u8);
        if (consts == 0) return children;
        if (Py.TypeOf(consts) == Py.TupleType)
        {
            string name = Py.AttrString(code, "co_name"u8) ?? "";
            bool module = name == "<module>";
            bool function = !module && IsFunctionScope(code, name);
            string[] locals = function ? [.. Py.StringTupleAttr(code, "co_varnames"u8), .. Py.StringTupleAttr(code, "co_cellvars"u8)] : [];
            for (long i = 0; i < Py.VarSize(consts); i++)
            {
                nint child = ((nint*)(consts + 24))[i];
                if (Py.TypeOf(child) != Py.CodeType) continue;
                string childName = Py.AttrString(child, "co_name"u8) ?? "?";
                // A def or class statement under `global name` is named as if at module level.
                bool declaredGlobal = function && !childName.StartsWith('<') && Array.IndexOf(locals, childName) < 0;
                string childQualName = module || declaredGlobal ? childName
                    : function ? qualName + ".<locals>." + childName
                    : qualName + "." + childName;
                children.Add((child, childQualName));
            }
        }
        Py.DecRef(consts);
        return children;
    }

    /// <summary>Functions and lambdas add .&lt;locals&gt; to what they define; class bodies and comprehensions do not.</summary>
    private static bool IsFunctionScope(nint code, string name)
    {
        nint flags = Py.GetAttr(code, "co_flags"u8);
        int overflow;
        long value = flags == 0 ? 0 : Py.LongAsLongLongAndOverflow(flags, &overflow);
        Py.DecRef(flags);
        return (value & (CoOptimized | CoNewLocals)) == (CoOptimized | CoNewLocals)
            && name is not ("<listcomp>" or "<setcomp>" or "<dictcomp>" or "<genexpr>");
    }

    private static string? FindInModule(nint code, nint globals)
    {
        if (globals == 0 || Py.TypeOf(globals) != Py.DictType) return null;
        if (s_propertyType == 0)
        {
            s_staticMethodType = Py.Require("PyStaticMethod_Type");
            s_classMethodType = Py.Require("PyClassMethod_Type");
            s_propertyType = Py.Require("PyProperty_Type");
        }
        return FindInDict(code, globals, 0);
    }

    private static string? FindInDict(nint code, nint dict, int classNesting)
    {
        nint pos = 0, key, value;
        while (Py.DictNext(dict, &pos, &key, &value) != 0)
        {
            string? found = FindInValue(code, value, classNesting);
            if (found != null) return found;
        }
        return null;
    }

    private static string? FindInValue(nint code, nint value, int classNesting)
    {
        nint type = Py.TypeOf(value);
        if (type == Py.FunctionType) return FindInFunction(code, value);
        if (type == s_staticMethodType || type == s_classMethodType) return FindInMember(code, value, "__func__"u8);
        if (type == s_propertyType)
            return FindInMember(code, value, "fget"u8) ?? FindInMember(code, value, "fset"u8) ?? FindInMember(code, value, "fdel"u8);
        if (classNesting < MaxClassNesting && Py.IsSubtype(type, Py.TypeType) && Py.IsHeapType(value))
        {
            nint classDict = Py.Slot(value, Py.TpDictOffset);
            if (classDict != 0 && Py.TypeOf(classDict) == Py.DictType) return FindInDict(code, classDict, classNesting + 1);
        }
        return null;
    }

    private static string? FindInMember(nint code, nint holder, ReadOnlySpan<byte> memberZ)
    {
        nint function = Py.GetAttr(holder, memberZ);
        if (function == 0) return null;
        string? found = Py.TypeOf(function) == Py.FunctionType ? FindInFunction(code, function) : null;
        Py.DecRef(function);
        return found;
    }

    /// <summary>The function's own code, code nested in it, or (for a functools.wraps wrapper) the wrapped function.</summary>
    private static string? FindInFunction(nint code, nint function)
    {
        nint functionCode = Py.FunctionGetCode(function);
        string? qualName = Py.AttrString(function, "__qualname__"u8);
        if (functionCode == 0 || qualName == null) return null;
        if (functionCode == code) return qualName;
        string? nested = FindNested(code, functionCode, qualName, 0);
        if (nested != null) return nested;
        nint dict = Py.GetAttr(function, "__dict__"u8);
        if (dict == 0) return null;
        nint wrapped = Py.TypeOf(dict) == Py.DictType ? Py.DictItem(dict, "__wrapped__"u8) : 0;
        string? found = wrapped != 0 && wrapped != function && Py.TypeOf(wrapped) == Py.FunctionType ? FindInFunction(code, wrapped) : null;
        Py.DecRef(dict);
        return found;
    }

    private static string? FindNested(nint code, nint parent, string parentQualName, int depth)
    {
        if (depth > 8) return null;
        foreach (var (child, childQualName) in Children(parent, parentQualName))
        {
            if (child == code) return childQualName;
            string? deeper = FindNested(code, child, childQualName, depth + 1);
            if (deeper != null) return deeper;
        }
        return null;
    }
}
