using System.Runtime.InteropServices;
using System.Text;
using Pytrace.Generator.Formatting;
using Pytrace.Generator.Hooks;
using Pytrace.Generator.Interop;
using Pytrace.Interop;
using Pytrace.Records;

namespace Pytrace.Generator.Tracing;

/// <summary>Starts and stops recording in this process, and keeps it right across fork and interpreter exit.</summary>
internal static unsafe class Session
{
    private static byte* s_map;
    private static long s_mapSize;
    private static bool s_processHooksRegistered;
    private static bool s_startedBefore;
    /// <summary>3.11: recording through <see cref="EvalFrameHook"/>, not the profile hook.</summary>
    private static bool s_evaluator;
    private static string s_pythonVersion = "";
    private static string s_executable = "";

    [DllImport("libc", EntryPoint = "__register_atfork")]
    private static extern int RegisterAtFork(delegate* unmanaged<void> prepare, delegate* unmanaged<void> parent,
        delegate* unmanaged<void> child, void* dso);

    public static bool Active => Tracer.Active;

    public static string? Start(bool waitForMain, string pythonVersion, string executable)
    {
        if (Tracer.Active) return "pytrace is already tracing this process";
        s_pythonVersion = pythonVersion;
        s_executable = executable;
        TscClock.Initialize();
        s_map = RingFile.Create(out s_mapSize, out string? error);
        if (s_map == null) return error;
        bool restart = s_startedBefore;
        if (restart)
        {
            // A new ring: definitions and thread names are written again; depths from the last session are void.
            Tracer.Restart();
            ThreadRegistry.ResetDepths();
            CodeRegistry.Reclassify();
        }
        s_startedBefore = true;
        Tracer.Ring.Attach(s_map);
        WriteProcessStart();
        if (!s_processHooksRegistered)
        {
            RegisterAtFork(null, null, &AfterForkInChild, null);
            Py.AtExit(&AtExit);
            s_processHooksRegistered = true;
        }
        Gate.WaitingForMain = waitForMain;
        Tracer.Active = true;
        s_evaluator = Py.Minor < 12 && EvalFrameHook.Usable;
        bool installed = Py.Minor >= 12 ? MonitoringHook.Install(restart) : s_evaluator ? EvalFrameHook.Install() : ProfileHook.Install();
        if (!installed)
        {
            Finish();
            Release();
            return "could not install the interpreter hook (is another tool using sys.monitoring?)";
        }
        return null;
    }

    public static void Stop()
    {
        if (!Tracer.Active) return;
        if (Py.Minor >= 12) MonitoringHook.Uninstall();
        else if (s_evaluator) EvalFrameHook.Uninstall();
        else ProfileHook.Uninstall();
        Finish();
        Release();
    }

    /// <summary>Unmaps a finished ring; the dumper drains and deletes the file. Kept while a record is being built.</summary>
    private static void Release()
    {
        if (s_map == null || Tracer.Busy) return;
        Tracer.Ring.Detach();
        Libc.Munmap(s_map, (nuint)s_mapSize);
        s_map = null;
    }

    private static void Finish()
    {
        if (!Tracer.Active) return;
        Tracer.Active = false;
        if (!Tracer.Ring.IsOpen) return; // a forked child that never recorded
        ThreadRegistry.CloseGaps();
        byte* buffer = stackalloc byte[16];
        var b = new RecordBuilder(buffer, 16, RecordKind.ProcessEnd);
        ulong now = TscClock.Read();
        b.U64(now);
        Tracer.Ring.TryWrite(buffer, b.Finish(), now);
        RingFile.MarkFinished(s_map);
    }

    private static void WriteProcessStart()
    {
        byte* buffer = stackalloc byte[2048];
        var b = new RecordBuilder(buffer, 2048, RecordKind.ProcessStart);
        b.U32((uint)Libc.GetPid());
        b.U32((uint)Libc.GetPpid());
        ulong ticks = TscClock.Read();
        long realtime = Libc.Now(Libc.CLOCK_REALTIME);
        b.U64(ticks);
        b.U64((ulong)realtime);
        b.U8(TscClock.Available ? (byte)1 : (byte)0);
        b.Utf8(Encoding.UTF8.GetBytes(s_pythonVersion));
        b.Utf8(Encoding.UTF8.GetBytes(s_executable.Length > 900 ? s_executable[..900] : s_executable));
        Tracer.Ring.TryWrite(buffer, b.Finish(), ticks);
        if (RingFile.Notice is { } notice) WriteNotice(notice, ticks);
    }

    private static void WriteNotice(string notice, ulong ticks)
    {
        byte* buffer = stackalloc byte[1024];
        var b = new RecordBuilder(buffer, 1024, RecordKind.Notice);
        b.U64(ticks);
        byte[] text = Encoding.UTF8.GetBytes(notice);
        fixed (byte* t = text) b.Utf8(t, Math.Min(text.Length, 900));
        Tracer.Ring.TryWrite(buffer, b.Finish(), ticks);
    }


    /// <summary>
    /// Runs in a forked child before any Python code: the child must not write into its parent's ring. Its own
    /// ring is mapped at its first traced event (<see cref="OpenForkedRing"/>), so a fork that only execs another
    /// program (subprocess) costs nothing, and an exec'd Python can create the ring of that pid itself.
    /// </summary>
    [UnmanagedCallersOnly]
    private static void AfterForkInChild()
    {
        if (!Tracer.Active) return;
        try
        {
            Tracer.Ring.Detach();
            Tracer.Epoch++;
            Tracer.ForgetAnnouncements();
            InternalError.AfterFork();
            ThreadRegistry.AfterFork();
        }
        catch (Exception e)
        {
            InternalError.Report(e);
        }
    }

    /// <summary>Maps a forked child's ring; false (and the child runs untraced) when it cannot.</summary>
    public static bool OpenForkedRing()
    {
        byte* map = RingFile.Create(out long size, out _);
        if (map == null)
        {
            Tracer.Active = false;
            return false;
        }
        s_map = map;
        s_mapSize = size;
        Tracer.Ring.Attach(map);
        WriteProcessStart();
        return true;
    }

    [UnmanagedCallersOnly]
    private static void AtExit()
    {
        try
        {
            Finish();
        }
        catch (Exception e)
        {
            InternalError.Report(e);
        }
    }
}
