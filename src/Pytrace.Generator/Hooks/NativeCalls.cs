using System.Runtime.CompilerServices;
using Pytrace.Generator.Interop;
using Pytrace.Generator.Tracing;
using Pytrace.Records;

namespace Pytrace.Generator.Hooks;

/// <summary>
/// --c-calls: calls of built-in and extension functions (`len`, `sorted`, `time.sleep`), made by a recorded Python
/// call, recorded as calls of their own without arguments or result. Both hooks hand over the callable, not its
/// return value. The open C call takes a depth with its caller's frame, tagged in the low bit: no frame equals it,
/// so a Python return is never taken for its end, and Python code the C function calls finds its caller at once.
/// </summary>
internal static unsafe class NativeCalls
{
    public static bool Enabled;

    // PyCFunctionObject: head, m_ml; PyMethodDescrObject: head, d_type, d_name, d_qualname, d_method (3.8-3.13).
    private const int CFunctionMethodDef = 16, MethodDescrMethodDef = 40;

    /// <summary>The PyMethodDef that names a C callable, or 0 for anything else (Python code, a class, a wrapper).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nint Key(nint callable)
    {
        nint type = Py.TypeOf(callable);
        if (type == Py.CFunctionType) return *(nint*)(callable + CFunctionMethodDef);
        if (type == Py.MethodDescrType) return *(nint*)(callable + MethodDescrMethodDef);
        return 0;
    }

    private static nint Tagged(nint frame) => frame | 1;

    /// <summary>CALLABLE is being called from FRAME, the innermost recorded call of thread T.</summary>
    public static void Call(ThreadInfo* t, nint frame, nint callable, ulong ticks)
    {
        nint key = Key(callable);
        if (key == 0 || t->Depth == 0 || t->Frames[t->Depth - 1] != frame) return;
        CodeInfo* c = CodeRegistry.Find(key);
        if (c == null) c = CodeRegistry.DefineNative(key, callable);
        FrameGate.Push(t, Tagged(frame));
        Tracer.Call(t, c, null, ticks);
    }

    /// <summary>CALLABLE, called from FRAME, returned or raised.</summary>
    public static void End(ThreadInfo* t, nint frame, nint callable, RecordKind kind, ulong ticks)
    {
        nint key = Key(callable);
        if (key == 0 || t->Depth == 0 || t->Frames[t->Depth - 1] != Tagged(frame)) return;
        CodeInfo* c = CodeRegistry.Find(key);
        if (c != null) Tracer.End(t, c, kind, 0, ticks);
    }
}
