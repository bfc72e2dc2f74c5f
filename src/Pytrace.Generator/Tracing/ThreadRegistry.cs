using System.Runtime.CompilerServices;
using Pytrace.Generator.Interop;
using Pytrace.Interop;

namespace Pytrace.Generator.Tracing;

/// <summary>Maps the running thread state to its <see cref="ThreadInfo"/>; a switch costs a lookup, staying costs a compare.</summary>
internal static unsafe class ThreadRegistry
{
    private static NativeMap<ThreadInfo> s_threads;
    private static nint s_lastState;
    private static ThreadInfo* s_last;
    public static nuint MainIdent;
    private static nint s_threadingName;

    public static void Initialize()
    {
        MainIdent = Py.ThreadGetIdent();
        s_threadingName = Py.NewString("threading");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ThreadInfo* Current(nint tstate)
    {
        if (tstate == s_lastState && FrameLayout.ThreadStateId(tstate) == s_last->UniqueId) return s_last;
        return Switch(tstate);
    }

    private static ThreadInfo* Switch(nint tstate)
    {
        long uniqueId = FrameLayout.ThreadStateId(tstate);
        ThreadInfo* t = s_threads.Find(tstate);
        if (t == null) t = s_threads.Add(tstate);
        if (t->UniqueId != uniqueId || t->NativeTid == 0)
        {
            nint* frames = t->Frames; // a new thread in a reused thread state keeps the allocation
            byte* calledFromC = t->CalledFromC;
            int capacity = t->FrameCapacity;
            *t = default;
            t->Frames = frames;
            t->CalledFromC = calledFromC;
            t->FrameCapacity = capacity;
            t->UniqueId = uniqueId;
            t->NativeTid = Libc.GetTid();
            t->Ident = Py.ThreadGetIdent();
            t->StackFloor = StackFloor();
        }
        s_lastState = tstate;
        s_last = t;
        return t;
    }

    /// <summary>
    /// Where the calling thread's stack is nearly full: a quarter of it, at most 256 KiB, left for what C code and
    /// pytrace's own work need under the deepest frame.
    /// </summary>
    private static nuint StackFloor() =>
        Libc.CurrentStack(out nuint low, out nuint size) ? low + Math.Min(size / 4, 256 * 1024) : 0;

    /// <summary>Process end: a thread inside a gap (another profiler's, or no monitoring id left) has it written up to now.</summary>
    public static void CloseGaps() => s_threads.ForEach(&Hooks.ProfileGap.Close);

    /// <summary>A new session: frames that were open when the last one stopped are no longer on record.</summary>
    public static void ResetDepths() => s_threads.ForEach(&Reset);

    private static void Reset(ThreadInfo* t)
    {
        t->Depth = 0;
        t->SkipDepth = 0;
        t->ExceptionFrame = 0;
        t->ExceptionValue = 0;
        t->UnseenExit = null;
        t->CCallDepth = 0;
        t->InGap = false;
    }

    /// <summary>After fork only the forking thread lives on, under a new native id.</summary>
    public static void AfterFork()
    {
        s_lastState = 0;
        s_last = null;
        nint tstate = Py.ThreadStateGet();
        ThreadInfo* t = Switch(tstate);
        t->NativeTid = Libc.GetTid();
    }

    /// <summary>
    /// Writes the thread's name into <paramref name="text"/>: "MainThread", or the name threading gave it, which
    /// exists only once Thread._bootstrap_inner has registered it, so callers retry on later calls.
    /// </summary>
    public static bool TryName(ThreadInfo* t, byte* buffer, int capacity, out int length)
    {
        length = 0;
        if (t->Ident == MainIdent) { length = Copy("MainThread"u8, buffer, capacity); return true; }
        nint sysModules;
        fixed (byte* modulesName = "modules"u8) sysModules = Py.SysGetObject(modulesName);
        if (sysModules == 0) return false;
        nint threading = Py.DictGetItem(sysModules, s_threadingName);
        if (threading == 0) return false;
        nint active = Py.GetAttr(threading, "_active"u8);
        if (active == 0) return false;
        nint key = Py.LongFromLongLong((long)t->Ident);
        nint thread = Py.DictGetItem(active, key);
        Py.DecRef(key);
        Py.DecRef(active);
        if (thread == 0) return false;
        nint name = Py.GetAttr(thread, "_name"u8);
        if (name == 0) return false;
        bool ok = false;
        if (Py.TypeOf(name) == Py.UnicodeType)
        {
            nint size;
            byte* utf8 = Py.UnicodeAsUtf8AndSize(name, &size);
            if (utf8 != null) { length = Copy(new ReadOnlySpan<byte>(utf8, (int)size), buffer, capacity); ok = true; }
            else Py.ErrClear();
        }
        Py.DecRef(name);
        return ok;
    }

    private static int Copy(ReadOnlySpan<byte> s, byte* buffer, int capacity)
    {
        int n = Math.Min(s.Length, capacity);
        s[..n].CopyTo(new Span<byte>(buffer, n));
        return n;
    }
}
