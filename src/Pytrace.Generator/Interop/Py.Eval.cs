namespace Pytrace.Generator.Interop;

/// <summary>The interpreter's execution state: thread states, frames, the profile hook, at-exit.</summary>
internal static unsafe partial class Py
{
    public const int TraceCall = 0, TraceException = 1, TraceLine = 2, TraceReturn = 3;

    // Hot-path calls that never run Python code skip the GC transition (SuppressGCTransition): it costs more than they do.
    public static delegate* unmanaged[SuppressGCTransition]<nint> ThreadStateGet;
    public static delegate* unmanaged<nint, long> ThreadStateGetId; // 3.9+
    public static delegate* unmanaged<delegate* unmanaged<nint, nint, int, nint, int>, nint, void> EvalSetProfile;
    public static delegate* unmanaged<nint> EvalGetFrame;
    public static delegate* unmanaged<nuint> ThreadGetIdent;
    public static delegate* unmanaged<delegate* unmanaged<void>, int> AtExit;
    /// <summary>PySys_AddAuditHook(hook(event, args, data), data): 0, or -1 with an error set.</summary>
    public static delegate* unmanaged<delegate* unmanaged<byte*, nint, nint, int>, nint, int> AddAuditHook;
    public static delegate* unmanaged[SuppressGCTransition]<nint> InterpreterStateGet;
    /// <summary>PEP 523 (3.11: the evaluator hook; unset, the getter answers _PyEval_EvalFrameDefault).</summary>
    public static delegate* unmanaged[SuppressGCTransition]<nint, nint> GetEvalFrameFunc;
    public static delegate* unmanaged[SuppressGCTransition]<nint, nint, void> SetEvalFrameFunc;
    public static delegate* unmanaged[SuppressGCTransition]<nint, void> ThreadStateEnterTracing, ThreadStateLeaveTracing; // 3.11+

    private static void ResolveEval()
    {
        ThreadStateGet = (delegate* unmanaged[SuppressGCTransition]<nint>)Require("PyThreadState_Get");
        ThreadStateGetId = (delegate* unmanaged<nint, long>)Optional("PyThreadState_GetID");
        EvalSetProfile = (delegate* unmanaged<delegate* unmanaged<nint, nint, int, nint, int>, nint, void>)Require("PyEval_SetProfile");
        EvalGetFrame = (delegate* unmanaged<nint>)Require("PyEval_GetFrame");
        ThreadGetIdent = (delegate* unmanaged<nuint>)Require("PyThread_get_thread_ident");
        AtExit = (delegate* unmanaged<delegate* unmanaged<void>, int>)Require("Py_AtExit");
        AddAuditHook = (delegate* unmanaged<delegate* unmanaged<byte*, nint, nint, int>, nint, int>)Require("PySys_AddAuditHook");
        InterpreterStateGet = (delegate* unmanaged[SuppressGCTransition]<nint>)Optional("PyInterpreterState_Get"); // 3.9+
        GetEvalFrameFunc = (delegate* unmanaged[SuppressGCTransition]<nint, nint>)Optional("_PyInterpreterState_GetEvalFrameFunc");
        SetEvalFrameFunc = (delegate* unmanaged[SuppressGCTransition]<nint, nint, void>)Optional("_PyInterpreterState_SetEvalFrameFunc");
        ThreadStateEnterTracing = (delegate* unmanaged[SuppressGCTransition]<nint, void>)Optional("PyThreadState_EnterTracing");
        ThreadStateLeaveTracing = (delegate* unmanaged[SuppressGCTransition]<nint, void>)Optional("PyThreadState_LeaveTracing");
    }
}
