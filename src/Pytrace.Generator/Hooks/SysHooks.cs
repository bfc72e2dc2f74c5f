using System.Runtime.InteropServices;
using Pytrace.Generator.Interop;
using Pytrace.Generator.Tracing;

namespace Pytrace.Generator.Hooks;

/// <summary>
/// 3.8-3.11: sys.setprofile and sys.settrace, stood in for by C functions that look the same (name, doc,
/// signature, module), so the program's own profiler and tracer coexist with ours:
/// - setprofile(f) starts a <see cref="ProfileGap"/>; the C_RETURN of that very call, which untraced nobody would
///   see (no profiler was on), is kept from f. setprofile(None) puts ours back at once and ends the gap.
/// - settrace(f) first frees our trace slot (on 3.8/3.9 settrace counts whether the slot held a function, and ours
///   must not be counted) and gives the muted frames their line events back; settrace(None) takes the slot back.
/// </summary>
internal static unsafe class SysHooks
{
    private const int CReturn = 6, CException = 5;
    private static nint s_sys, s_setprofile, s_settrace, s_ourSetprofile, s_ourSettrace;
    /// <summary>The program's profile function, held back until the first event after its setprofile call.</summary>
    private static nint s_heldProfile;

    public static void Install()
    {
        if (s_sys == 0)
        {
            s_sys = Py.Import("sys");
            if (s_sys == 0) { Py.ErrClear(); return; }
            s_setprofile = Py.GetAttr(s_sys, "setprofile"u8);
            s_settrace = Py.GetAttr(s_sys, "settrace"u8);
            if (s_setprofile == 0 || s_settrace == 0 || Py.TypeOf(s_setprofile) != Py.CFunctionType || Py.TypeOf(s_settrace) != Py.CFunctionType) return;
            s_ourSetprofile = LookAlike(s_setprofile, (delegate* unmanaged<nint, nint, nint>)&SetProfile);
            s_ourSettrace = LookAlike(s_settrace, (delegate* unmanaged<nint, nint, nint>)&SetTrace);
        }
        if (s_ourSetprofile == 0) return;
        Py.SetAttr(s_sys, "setprofile"u8, s_ourSetprofile);
        Py.SetAttr(s_sys, "settrace"u8, s_ourSettrace);
    }

    public static void Uninstall()
    {
        if (s_ourSetprofile == 0) return;
        Py.SetAttr(s_sys, "setprofile"u8, s_setprofile);
        Py.SetAttr(s_sys, "settrace"u8, s_settrace);
    }

    /// <summary>A built-in with the original's name, flags, docstring (which carries the signature) and module.</summary>
    public static nint LookAlike(nint original, void* function)
    {
        nint* def = *(nint**)(original + 16); // PyCFunctionObject.m_ml
        var ours = (nint*)NativeMemory.AllocZeroed(32);
        ours[0] = def[0];
        ours[1] = (nint)function;
        *(int*)(ours + 2) = *(int*)(def + 2);
        ours[3] = def[3];
        nint self = *(nint*)(original + 24);   // m_self: the module
        nint module = *(nint*)(original + 32); // m_module: its name
        return Py.CFunctionNew((nint)ours, self, module);
    }

    private static nint Forward(nint original, nint arg)
    {
        Py.IncRef(arg);
        nint args = Py.Tuple(arg);
        nint r = Py.Call(original, args, 0);
        Py.DecRef(args);
        return r;
    }

    [UnmanagedCallersOnly]
    private static nint SetProfile(nint self, nint function)
    {
        nint tstate = Py.ThreadStateGet();
        bool oursBefore = *(nint*)(tstate + FrameLayout.ThreadStateProfileFuncOffset) == ProfileHook.Hook;
        nint r = Forward(s_setprofile, function);
        if (r == 0 || !Tracer.Active) return r;
        try
        {
            nint* slot = (nint*)(tstate + FrameLayout.ThreadStateProfileFuncOffset);
            ThreadInfo* t = ThreadRegistry.Current(tstate);
            if (*slot == 0)
            {
                // Set directly (no second audit event): events are still dispatched while our trace hook holds its slot.
                if (TraceSlot.Holder(tstate) != 0) *slot = ProfileHook.Hook;
                else Py.EvalSetProfile((delegate* unmanaged<nint, nint, int, nint, int>)ProfileHook.Hook, 0);
                ProfileGap.End(t, Py.EvalGetFrame());
            }
            else if (oursBefore)
            {
                ProfileGap.Begin(t);
                s_heldProfile = *slot;
                *slot = (nint)(delegate* unmanaged<nint, nint, int, nint, int>)&FirstEvent;
            }
        }
        catch (Exception e)
        {
            InternalError.Report(e);
        }
        return r;
    }

    /// <summary>The first event after setprofile(f) replaced ours: the end of that call is not f's to see.</summary>
    [UnmanagedCallersOnly]
    private static int FirstEvent(nint self, nint frame, int what, nint arg)
    {
        var held = (delegate* unmanaged<nint, nint, int, nint, int>)s_heldProfile;
        try
        {
            *(nint*)(Py.ThreadStateGet() + FrameLayout.ThreadStateProfileFuncOffset) = s_heldProfile;
        }
        catch (Exception e)
        {
            InternalError.Report(e);
        }
        if (what == CReturn || what == CException) return 0;
        return held(self, frame, what, arg);
    }

    [UnmanagedCallersOnly]
    private static nint SetTrace(nint self, nint function)
    {
        nint tstate = Py.ThreadStateGet();
        try
        {
            if (Tracer.Active && TraceSlot.Ours(tstate))
            {
                TraceSlot.Release(tstate);
                if (function != Py.None) TraceSlot.Lend(ThreadRegistry.Current(tstate), Py.EvalGetFrame());
            }
        }
        catch (Exception e)
        {
            InternalError.Report(e);
        }
        nint r = Forward(s_settrace, function);
        try
        {
            if (Tracer.Active && TraceSlot.Holder(tstate) == 0) TraceSlot.Claim(tstate, ThreadRegistry.Current(tstate));
        }
        catch (Exception e)
        {
            InternalError.Report(e);
        }
        return r;
    }
}
