namespace Pytrace.Generator.Interop;

/// <summary>What the 3.8-3.11 hooks need to stand in for sys.setprofile/sys.settrace and _thread.start_new_thread.</summary>
internal static unsafe partial class Py
{
    public static delegate* unmanaged<nint, byte*, nint, int> SetAttrString;
    public static delegate* unmanaged<nint, int> CallableCheck;
    /// <summary>PyObject_Call(callable, args tuple, kwargs dict or 0).</summary>
    public static delegate* unmanaged<nint, nint, nint, nint> Call;
    /// <summary>PyFrame_GetBack (3.9+; a new reference or 0). 3.8 reads f_back directly.</summary>
    public static delegate* unmanaged<nint, nint> FrameGetBack;
    /// <summary>_PyErr_WriteUnraisableMsg (3.8+): what a thread started by _thread does with an uncaught error.</summary>
    public static delegate* unmanaged<byte*, nint, void> WriteUnraisableMsg;
    public static delegate* unmanaged<nint, int> ErrExceptionMatches;
    public static nint SystemExit;

    private static void ResolveHooks()
    {
        SetAttrString = (delegate* unmanaged<nint, byte*, nint, int>)Require("PyObject_SetAttrString");
        CallableCheck = (delegate* unmanaged<nint, int>)Require("PyCallable_Check");
        Call = (delegate* unmanaged<nint, nint, nint, nint>)Require("PyObject_Call");
        FrameGetBack = (delegate* unmanaged<nint, nint>)Optional("PyFrame_GetBack");
        WriteUnraisableMsg = (delegate* unmanaged<byte*, nint, void>)Optional("_PyErr_WriteUnraisableMsg");
        ErrExceptionMatches = (delegate* unmanaged<nint, int>)Require("PyErr_ExceptionMatches");
        SystemExit = *(nint*)Require("PyExc_SystemExit");
    }

    /// <summary>setattr with a literal name; false with the error cleared when it fails.</summary>
    public static bool SetAttr(nint o, ReadOnlySpan<byte> nameZ, nint value)
    {
        fixed (byte* n = nameZ)
        {
            if (SetAttrString(o, n, value) == 0) return true;
            ErrClear();
            return false;
        }
    }

    /// <summary>The calling frame object of a PyFrameObject (borrowed: a caller on the stack outlives this call), or 0.</summary>
    public static nint FrameBack(nint frame)
    {
        if (FrameGetBack == null) return *(nint*)(frame + 24); // 3.8: PyFrameObject.f_back after PyObject_VAR_HEAD
        nint back = FrameGetBack(frame);
        DecRef(back); // the caller's interpreter frame owns its frame object
        return back;
    }
}
