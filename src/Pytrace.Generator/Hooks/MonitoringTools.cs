using System.Runtime.InteropServices;
using Pytrace.Generator.Interop;
using Pytrace.Generator.Tracing;

namespace Pytrace.Generator.Hooks;

/// <summary>
/// 3.12+: pytrace's sys.monitoring tool id stays out of the program's sight. sys.monitoring's get_tool,
/// use_tool_id and free_tool_id are stood in for by look-alikes (<see cref="SysHooks.LookAlike"/>): get_tool(ours)
/// answers None, free_tool_id(ours) does what it does on a free id (nothing), and use_tool_id(ours, name) first moves
/// pytrace to another free id. A program that takes all six ids gets them; pytrace then stops recording, and the
/// rest of the run is marked as a gap.
/// On 3.13 sys.settrace is stood in for as well: with any monitoring tool active, 3.13.0 does not instrument the
/// running frame for the opcode events pdb's set_trace() asks for (it stops a line late); restarting the events after
/// the program's settrace(f) instruments it again.
/// </summary>
internal static unsafe class MonitoringTools
{
    private static nint s_monitoring, s_getTool, s_useToolId, s_freeToolId, s_ourGetTool, s_ourUseToolId, s_ourFreeToolId;
    private static nint s_sys, s_settrace, s_ourSettrace, s_restartEvents;

    /// <summary>The real use_tool_id / free_tool_id / get_tool, which pytrace calls for itself.</summary>
    public static nint UseToolId => s_useToolId;
    public static nint FreeToolId => s_freeToolId;

    public static void Capture(nint monitoring)
    {
        if (s_monitoring != 0) return;
        s_monitoring = monitoring;
        s_getTool = Py.GetAttr(monitoring, "get_tool"u8);
        s_useToolId = Py.GetAttr(monitoring, "use_tool_id"u8);
        s_freeToolId = Py.GetAttr(monitoring, "free_tool_id"u8);
        if (!IsBuiltin(s_getTool, Py.MethO) || !IsBuiltin(s_useToolId, Py.MethFastCall) || !IsBuiltin(s_freeToolId, Py.MethO)) return;
        s_ourGetTool = SysHooks.LookAlike(s_getTool, (delegate* unmanaged<nint, nint, nint>)&GetTool);
        s_ourUseToolId = SysHooks.LookAlike(s_useToolId, (delegate* unmanaged<nint, nint*, nint, nint>)&UseTool);
        s_ourFreeToolId = SysHooks.LookAlike(s_freeToolId, (delegate* unmanaged<nint, nint, nint>)&FreeTool);
        if (Py.Minor != 13) return;
        s_sys = Py.Import("sys");
        s_settrace = s_sys == 0 ? 0 : Py.GetAttr(s_sys, "settrace"u8);
        s_restartEvents = Py.GetAttr(monitoring, "restart_events"u8);
        if (IsBuiltin(s_settrace, Py.MethO) && s_restartEvents != 0)
            s_ourSettrace = SysHooks.LookAlike(s_settrace, (delegate* unmanaged<nint, nint, nint>)&SetTrace);
    }

    /// <summary>A C function with the calling convention our stand-in is written for.</summary>
    private static bool IsBuiltin(nint function, int flags) =>
        function != 0 && Py.TypeOf(function) == Py.CFunctionType && (*(int*)(*(nint*)(function + 16) + 16) & 0xFF) == flags;

    public static void Hide() => Install(s_ourGetTool, s_ourUseToolId, s_ourFreeToolId, s_ourSettrace);

    public static void Show() => Install(s_getTool, s_useToolId, s_freeToolId, s_settrace);

    private static void Install(nint getTool, nint useToolId, nint freeToolId, nint settrace)
    {
        if (s_ourGetTool == 0) return;
        Py.SetAttr(s_monitoring, "get_tool"u8, getTool);
        Py.SetAttr(s_monitoring, "use_tool_id"u8, useToolId);
        Py.SetAttr(s_monitoring, "free_tool_id"u8, freeToolId);
        if (s_ourSettrace != 0) Py.SetAttr(s_sys, "settrace"u8, settrace);
    }

    private static bool IsOurs(nint id)
    {
        if (id == 0 || Py.TypeOf(id) != Py.LongType || MonitoringHook.ToolId < 0) return false;
        int overflow;
        long value = Py.LongAsLongLongAndOverflow(id, &overflow);
        return overflow == 0 && value == MonitoringHook.ToolId;
    }

    private static nint Forward(nint original, nint* args, long count)
    {
        nint tuple = Py.TupleNew((nint)count);
        for (long i = 0; i < count; i++) { Py.IncRef(args[i]); Py.TupleSetItem(tuple, (nint)i, args[i]); }
        nint r = Py.Call(original, tuple, 0);
        Py.DecRef(tuple);
        return r;
    }

    [UnmanagedCallersOnly]
    private static nint GetTool(nint self, nint id) => NoneForOursElse(s_getTool, id);

    [UnmanagedCallersOnly]
    private static nint FreeTool(nint self, nint id) => NoneForOursElse(s_freeToolId, id);

    /// <summary>What the program sees of a free id for ours (None, nothing done); the real function for any other.</summary>
    private static nint NoneForOursElse(nint original, nint id)
    {
        try
        {
            if (IsOurs(id)) return Py.NewNone();
        }
        catch (Exception e)
        {
            InternalError.Report(e);
        }
        return Forward(original, &id, 1);
    }

    [UnmanagedCallersOnly]
    private static nint SetTrace(nint self, nint function)
    {
        nint r = Forward(s_settrace, &function, 1);
        if (r == 0 || function == Py.None) return r;
        try
        {
            nint none = Py.TupleNew(0);
            nint restarted = Py.Call(s_restartEvents, none, 0);
            if (restarted == 0) Py.ErrClear(); else Py.DecRef(restarted);
            Py.DecRef(none);
        }
        catch (Exception e)
        {
            InternalError.Report(e);
        }
        return r;
    }

    [UnmanagedCallersOnly]
    private static nint UseTool(nint self, nint* args, nint count)
    {
        try
        {
            if (count >= 1 && IsOurs(args[0]) && !MonitoringHook.MoveToAnotherId())
                ProfileGap.Begin(ThreadRegistry.Current(Py.ThreadStateGet())); // no id left for pytrace
        }
        catch (Exception e)
        {
            InternalError.Report(e);
        }
        return Forward(s_useToolId, args, count);
    }
}
