using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Pytrace.Generator.Interop;
using Pytrace.Generator.Tracing;
using Pytrace.Records;

namespace Pytrace.Generator.Hooks;

/// <summary>
/// 3.11: a PEP 523 frame evaluator (<see cref="EvalFrameStub"/>) instead of the C profile hook. A profile hook makes
/// 3.11 build a frame object and take its slow dispatch for every call (a no-op C hook costs about 115 ns a call on
/// fib; this evaluator about 13), and it learns an exception only from the trace slot. Here a frame's start and end
/// are one native call each, the exception is still set when the frame ends, and the program's own profiler and
/// tracer have both slots to themselves. Python calls Python through C while an evaluator is set, so each traced
/// call takes C stack; a frame that would leave too little raises RecursionError instead of crashing.
/// </summary>
internal static unsafe class EvalFrameHook
{
    private const int Refused = -1, NothingWaits = 0, Recorded = 1, Skipped = 2;
    /// <summary>PyThreadState.tracing: nonzero inside a tracer, or in our own work.</summary>
    private const int TracingOffset = FrameLayout.ThreadStateTracingOffset311;
    private const ushort GeneratorLike = (ushort)(CodeFlags.Generator | CodeFlags.Coroutine | CodeFlags.AsyncGenerator);

    private static nint s_stub, s_evaluate;

    /// <summary>3.11 with checked frame offsets, the evaluator API, and no --c-calls (C calls need the profile hook).</summary>
    public static bool Usable => Py.Minor == 11 && FrameLayout.Verified && !NativeCalls.Enabled
        && Py.InterpreterStateGet != null && Py.GetEvalFrameFunc != null && Py.SetEvalFrameFunc != null && TracingOffsetHolds();

    public static bool Install()
    {
        nint interp = Py.InterpreterStateGet();
        nint current = Py.GetEvalFrameFunc(interp);
        if (current == s_stub && s_stub != 0) return true;
        if (s_stub == 0 || current != s_evaluate)
        {
            s_evaluate = current; // another tool's evaluator stays in the chain
            s_stub = EvalFrameStub.Map((nint)(delegate* unmanaged<nint, nint, int, int>)&OnEnter,
                (nint)(delegate* unmanaged<nint, nint, nint, int, nint>)&OnExit, current);
            if (s_stub == 0) return false;
        }
        Py.SetEvalFrameFunc(interp, s_stub);
        return true;
    }

    public static void Uninstall()
    {
        nint interp = Py.InterpreterStateGet();
        if (s_stub != 0 && Py.GetEvalFrameFunc(interp) == s_stub) Py.SetEvalFrameFunc(interp, s_evaluate);
    }

    /// <summary>PyThreadState_EnterTracing must move the field this hook reads.</summary>
    private static bool TracingOffsetHolds()
    {
        if (Py.ThreadStateEnterTracing == null || Py.ThreadStateLeaveTracing == null) return false;
        nint tstate = Py.ThreadStateGet();
        int* tracing = (int*)(tstate + TracingOffset);
        int before = *tracing;
        Py.ThreadStateEnterTracing(tstate);
        bool holds = *tracing == before + 1;
        Py.ThreadStateLeaveTracing(tstate);
        return holds && *tracing == before;
    }

    [UnmanagedCallersOnly]
    private static int OnEnter(nint tstate, nint frame, int throwflag)
    {
        int* tracing = (int*)(tstate + TracingOffset);
        if (!Tracer.Active || *tracing != 0) return NothingWaits;
        (*tracing)++; // Python code our formatting runs (a repr) is neither recorded nor seen by the program's profiler
        try
        {
            return Enter(tstate, frame, throwflag);
        }
        catch (Exception e)
        {
            InternalError.Report(e);
            return NothingWaits;
        }
        finally
        {
            (*tracing)--;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Enter(nint tstate, nint frame, int throwflag)
    {
        ulong ticks = TscClock.Read();
        ThreadInfo* t = ThreadRegistry.Current(tstate);
        if ((nuint)(&ticks) < t->StackFloor) return Refuse();
        nint code = FrameLayout.CodeOf(frame);
        CodeInfo* c = CodeRegistry.Find(code);
        if (c == null) c = CodeRegistry.Define(code, FrameLayout.GlobalsOf(frame));
        bool generator = (c->Flags & GeneratorLike) != 0;
        if (generator && *(byte*)(frame + FrameLayout.FrameOwnerOffset311) != FrameLayout.FrameOwnedByGenerator311) return NothingWaits; // makes the generator: its first next() is the call
        if (c->Mode == CodeMode.Skip) { Gate.SkippedEntry(c); return NothingWaits; }
        int skipDepth = t->SkipDepth;
        if (!Gate.Enter(t, c)) return t->SkipDepth != skipDepth ? Skipped : NothingWaits;
        FrameGate.Push(t, frame);
        if (generator && !FirstEntry(frame)) Tracer.Resume(t, c, ticks);
        else if (throwflag == 0) Tracer.Call(t, c, FrameLayout.LocalsPlus(frame), ticks);
        else ThrownIntoNew(t, c, frame, ticks);
        return Recorded;
    }

    /// <summary>
    /// Untraced, 3.11 runs a Python call of Python code without C recursion; through an evaluator each one takes C
    /// stack (about 400 bytes). Where that would overflow the stack, a RecursionError is the error the program can handle.
    /// </summary>
    private static int Refuse()
    {
        Py.Raise(Py.RecursionError, "maximum recursion depth exceeded: this thread's C stack is nearly full (pytrace records 3.11 calls through C)");
        return Refused;
    }

    /// <summary>throw() into a generator never started: the exception it is about to raise stays set around the record.</summary>
    private static void ThrownIntoNew(ThreadInfo* t, CodeInfo* c, nint frame, ulong ticks)
    {
        nint type, value, traceback;
        Py.ErrFetch(&type, &value, &traceback);
        Tracer.Call(t, c, FrameLayout.LocalsPlus(frame), ticks);
        Py.ErrRestore(type, value, traceback);
    }

    /// <summary>A generator's frame last ran RETURN_GENERATOR, which made it: this is its first next(), send() or throw().</summary>
    private static bool FirstEntry(nint frame) => FrameLayout.LastOpcode311(frame) == FrameLayout.ReturnGenerator311;

    [UnmanagedCallersOnly]
    private static nint OnExit(nint tstate, nint frame, nint result, int entered)
    {
        int* tracing = (int*)(tstate + TracingOffset);
        (*tracing)++;
        try
        {
            Exit(tstate, frame, result, entered);
        }
        catch (Exception e)
        {
            InternalError.Report(e);
        }
        finally
        {
            (*tracing)--;
        }
        return result;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Exit(nint tstate, nint frame, nint result, int entered)
    {
        ulong ticks = TscClock.Read();
        ThreadInfo* t = ThreadRegistry.Current(tstate);
        if (entered == Skipped)
        {
            if (t->SkipDepth > 0) t->SkipDepth--;
            return;
        }
        if (!Tracer.Active || !FrameGate.IsRecorded(t, frame)) return; // stopped, or a session started since
        CodeInfo* c = CodeRegistry.Find(FrameLayout.CodeOf(frame));
        if (c == null) return;
        if (result == 0) SetException.End(t, c, ticks); // the exception is still set
        else Tracer.End(t, c, IsYield(c, frame) ? RecordKind.Yield : RecordKind.Return, result, ticks);
    }

    private static bool IsYield(CodeInfo* c, nint frame) =>
        (c->Flags & GeneratorLike) != 0 && FrameLayout.LastOpcode311(frame) == FrameLayout.YieldValue311;
}
