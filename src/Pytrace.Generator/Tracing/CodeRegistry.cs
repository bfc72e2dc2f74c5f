using System.Runtime.InteropServices;
using System.Text;
using Pytrace.Generator.Interop;
using Pytrace.Records;

namespace Pytrace.Generator.Tracing;

/// <summary>Interns code objects: id, argument layout and definition record, learned on first execution.</summary>
internal static unsafe class CodeRegistry
{
    private const int CoOptimized = 0x1, CoVarArgs = 0x4, CoVarKeywords = 0x8, CoGenerator = 0x20, CoCoroutine = 0x80,
        CoIterableCoroutine = 0x100, CoAsyncGenerator = 0x200;
    public const int MaxArgs = 64;

    private static NativeMap<CodeInfo> s_codes;
    private static uint s_nextId = 1;

    /// <summary>Files whose frames are pytrace's or the launcher's own (runpy), never recorded.</summary>
    public static string[] SkippedFiles = [];
    /// <summary>When set, only code under these folders is recorded.</summary>
    public static string[] TracedFolders = [];
    public static string[] IgnoredFolders = [];
    /// <summary>"file:qualname" of interpreter machinery recorded neither itself nor its callees (threading._shutdown).</summary>
    public static string[] SkippedFunctions = [];
    /// <summary>Code objects marked by @notrace before they ever ran.</summary>
    public static NativeMap<byte> NoTrace;

    /// <summary>
    /// Whether some code was ever made SkipTree (@notrace, or a skipped function that ran): until then no frame can be
    /// inside one, and the walk up the stack that looks for one is not needed. Never reset, so it can only err towards walking.
    /// </summary>
    public static bool AnySkipTree;

    public static CodeInfo* Find(nint code) => s_codes.Find(code);

    /// <summary>Learns a code object; <paramref name="globals"/> are its module's, for its name and, before 3.11, its qualified name.</summary>
    public static CodeInfo* Define(nint code, nint globals)
    {
        Py.IncRef(code); // keeps the address from being reused by another code object
        CodeInfo* info = s_codes.Add(code);
        info->Id = s_nextId++;
        info->Code = code;

        string name = Py.AttrString(code, "co_name"u8) ?? "?";
        string file = Py.AttrString(code, "co_filename"u8) ?? "?";
        string module = ModuleName(globals) ?? "?";
        int flags = IntAttr(code, "co_flags"u8);
        int argCount = IntAttr(code, "co_argcount"u8) + IntAttr(code, "co_kwonlyargcount"u8)
            + ((flags & CoVarArgs) != 0 ? 1 : 0) + ((flags & CoVarKeywords) != 0 ? 1 : 0);
        info->ArgCount = (ushort)Math.Min(argCount, MaxArgs);
        info->NLocals = IntAttr(code, "co_nlocals"u8);
        info->SpecialMethod = name.Length > 4 && name.StartsWith("__", StringComparison.Ordinal) && name.EndsWith("__", StringComparison.Ordinal);
        info->Flags = (ushort)(
            ((flags & CoGenerator) != 0 ? CodeFlags.Generator : 0)
            | ((flags & (CoCoroutine | CoIterableCoroutine)) != 0 ? CodeFlags.Coroutine : 0)
            | ((flags & CoAsyncGenerator) != 0 ? CodeFlags.AsyncGenerator : 0)
            | ((flags & CoVarArgs) != 0 ? CodeFlags.VarArgs : 0)
            | ((flags & CoVarKeywords) != 0 ? CodeFlags.VarKeywords : 0)
            // Functions, lambdas and comprehensions have fast locals; of the code without them, modules (and exec'd
            // text) are named <module>: what is left is a class body.
            | ((flags & CoOptimized) == 0 && name != "<module>" ? CodeFlags.ClassBody : 0));
        string qualName = Py.Minor >= 11 ? Py.AttrString(code, "co_qualname"u8) ?? name : QualNames.For(code, name, globals);
        info->Mode = ModeFor(code, file, qualName);
        info->IsMainModule = name == "<module>" && module == "__main__";

        info->VarNames = Py.GetAttr(code, "co_varnames"u8);
        string[] varNames = Py.StringTupleAttr(code, "co_varnames"u8);
        string[] cellVars = Py.StringTupleAttr(code, "co_cellvars"u8);
        var argNames = new string[info->ArgCount];
        for (int i = 0; i < argNames.Length; i++)
        {
            string arg = i < varNames.Length ? varNames[i] : "?";
            bool varArgs = (flags & CoVarArgs) != 0 && i == argCount - 1 - ((flags & CoVarKeywords) != 0 ? 1 : 0);
            bool varKw = (flags & CoVarKeywords) != 0 && i == argCount - 1;
            argNames[i] = varKw ? "**" + arg : varArgs ? "*" + arg : arg;
            int cell = Array.IndexOf(cellVars, arg);
            if (cell < 0) continue;
            if (info->CellIndex == null)
            {
                info->CellIndex = (short*)NativeMemory.Alloc((nuint)(argNames.Length * sizeof(short)));
                new Span<short>(info->CellIndex, argNames.Length).Fill(-1);
            }
            info->CellIndex[i] = (short)cell;
        }
        int positional = IntAttr(code, "co_argcount"u8), keywordOnly = IntAttr(code, "co_kwonlyargcount"u8);
        if ((flags & CoVarArgs) != 0 && keywordOnly > 0 && argCount <= MaxArgs)
        {
            // Slots hold keyword-only arguments before *args; a signature lists *args first.
            var order = new List<int>();
            for (int i = 0; i < positional; i++) order.Add(i);
            order.Add(positional + keywordOnly);
            for (int i = 0; i < keywordOnly; i++) order.Add(positional + i);
            if ((flags & CoVarKeywords) != 0) order.Add(argCount - 1);
            info->SlotOrder = (short*)NativeMemory.Alloc((nuint)(order.Count * sizeof(short)));
            for (int i = 0; i < order.Count; i++) info->SlotOrder[i] = (short)order[i];
            argNames = [.. order.Select(slot => argNames[slot])];
        }
        info->DefinitionLength = BuildDefinition(info, IntAttr(code, "co_firstlineno"u8), module, qualName, file, argNames, out info->Definition);
        return info;
    }

    /// <summary>
    /// Learns a C function, keyed by its PyMethodDef (shared by `list.append` and every bound `xs.append`): named
    /// as its __qualname__ and __module__ say, with no file, line or arguments. The callable itself is not kept.
    /// </summary>
    public static CodeInfo* DefineNative(nint key, nint callable)
    {
        CodeInfo* info = s_codes.Add(key);
        info->Id = s_nextId++;
        info->Flags = (ushort)CodeFlags.Native;
        info->Mode = CodeMode.Trace;
        string qualName = Py.AttrString(callable, "__qualname__"u8) ?? Py.AttrString(callable, "__name__"u8) ?? "?";
        string module = Py.AttrString(callable, "__module__"u8) ?? OwnerModule(callable) ?? "builtins";
        info->DefinitionLength = BuildDefinition(info, 0, module, qualName, "<built-in>", [], out info->Definition);
        return info;
    }

    /// <summary>The module of the type a C method belongs to (a bound method's __module__ is None).</summary>
    private static string? OwnerModule(nint callable)
    {
        nint owner = Py.GetAttr(callable, "__self__"u8);
        if (owner == 0) return null;
        nint type = Py.TypeOf(owner) == Py.TypeType || Py.TypeOf(owner) == Py.ModuleType ? owner : Py.TypeOf(owner);
        string? module = Py.TypeOf(owner) == Py.ModuleType ? Py.AttrString(owner, "__name__"u8) : Py.AttrString(type, "__module__"u8);
        Py.DecRef(owner);
        return module;
    }

    private static int BuildDefinition(CodeInfo* info, int line, string module, string qualName, string file, string[] args, out byte* buffer)
    {
        int capacity = 64 + Encoding.UTF8.GetByteCount(module) + Encoding.UTF8.GetByteCount(qualName) + Encoding.UTF8.GetByteCount(file);
        foreach (var a in args) capacity += 2 + Encoding.UTF8.GetByteCount(a);
        buffer = (byte*)NativeMemory.Alloc((nuint)capacity);
        var b = new RecordBuilder(buffer, capacity, RecordKind.CodeDef);
        b.U32(info->Id);
        b.U32((uint)line);
        b.U16(info->Flags);
        b.U16(info->ArgCount);
        b.Utf8(Encoding.UTF8.GetBytes(module));
        b.Utf8(Encoding.UTF8.GetBytes(qualName));
        b.Utf8(Encoding.UTF8.GetBytes(file));
        foreach (var a in args) b.Utf8(Encoding.UTF8.GetBytes(a));
        return b.Finish();
    }

    /// <summary>A later start() may trace other modules: every known code is judged again by the new options.</summary>
    public static void Reclassify() => s_codes.ForEach(&Reclassify);

    private static void Reclassify(CodeInfo* info)
    {
        if ((info->Flags & (ushort)CodeFlags.Native) != 0) return; // recorded when its caller is: see NativeCalls
        string file = Py.AttrString(info->Code, "co_filename"u8) ?? "?";
        string qualName = Py.AttrString(info->Code, "co_qualname"u8) ?? Py.AttrString(info->Code, "co_name"u8) ?? "?";
        info->Mode = ModeFor(info->Code, file, qualName);
    }

    /// <summary>@notrace, before or after the code first ran.</summary>
    public static void MarkNoTrace(nint code)
    {
        AnySkipTree = true;
        CodeInfo* known = Find(code);
        if (known != null) known->Mode = CodeMode.SkipTree;
        if (NoTrace.Find(code) != null) return;
        Py.IncRef(code);
        NoTrace.Add(code);
    }

    private static CodeMode ModeFor(nint code, string file, string qualName)
    {
        if (NoTrace.Find(code) != null || Array.IndexOf(SkippedFunctions, file + ":" + qualName) >= 0) { AnySkipTree = true; return CodeMode.SkipTree; }
        if (Array.IndexOf(SkippedFiles, file) >= 0) return CodeMode.Skip;
        // Code compiled from a string ("<string>", "<stdin>", or "" as exec(compile(src, "", "exec")) gives) is in no folder.
        bool inNoFile = file.Length == 0 || file[0] == '<' || file.Contains('\0');
        if (inNoFile) return TracedFolders.Length == 0 ? CodeMode.Trace : CodeMode.Skip;
        if (IgnoredFolders.Length == 0 && TracedFolders.Length == 0) return CodeMode.Trace;
        string full = Path.GetFullPath(file); // "app/../lib/x.py" as sys.path made it
        foreach (var folder in IgnoredFolders) if (full.StartsWith(folder, StringComparison.Ordinal)) return CodeMode.Skip;
        if (TracedFolders.Length == 0) return CodeMode.Trace;
        foreach (var folder in TracedFolders) if (full.StartsWith(folder, StringComparison.Ordinal)) return CodeMode.Trace;
        return CodeMode.Skip;
    }

    private static string? ModuleName(nint globals)
    {
        if (globals == 0 || Py.TypeOf(globals) != Py.DictType) return null;
        fixed (byte* key = "__name__"u8)
        {
            nint name = Py.DictGetItemString(globals, key);
            return name != 0 && Py.TypeOf(name) == Py.UnicodeType ? Py.ToManaged(name) : null;
        }
    }

    private static int IntAttr(nint o, ReadOnlySpan<byte> nameZ)
    {
        nint v = Py.GetAttr(o, nameZ);
        if (v == 0) return 0;
        int overflow;
        long n = Py.LongAsLongLongAndOverflow(v, &overflow);
        Py.DecRef(v);
        return (int)n;
    }
}
