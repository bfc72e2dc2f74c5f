namespace Pytrace.Generator.Interop;

/// <summary>The error indicator: hooks save and restore it around anything that might touch it.</summary>
internal static unsafe partial class Py
{
    public static delegate* unmanaged<nint*, nint*, nint*, void> ErrFetch;
    public static delegate* unmanaged<nint, nint, nint, void> ErrRestore;
    public static delegate* unmanaged<nint*, nint*, nint*, void> ErrNormalize;
    public static delegate* unmanaged<nint> ErrOccurred;
    private static delegate* unmanaged<void> s_errClear;
    private static delegate* unmanaged<nint, byte*, void> s_errSetString;
    public static nint RuntimeError, TypeError, ValueError, RecursionError;

    private static void ResolveErrors()
    {
        ErrFetch = (delegate* unmanaged<nint*, nint*, nint*, void>)Require("PyErr_Fetch");
        ErrRestore = (delegate* unmanaged<nint, nint, nint, void>)Require("PyErr_Restore");
        ErrNormalize = (delegate* unmanaged<nint*, nint*, nint*, void>)Require("PyErr_NormalizeException");
        ErrOccurred = (delegate* unmanaged<nint>)Require("PyErr_Occurred");
        s_errClear = (delegate* unmanaged<void>)Require("PyErr_Clear");
        s_errSetString = (delegate* unmanaged<nint, byte*, void>)Require("PyErr_SetString");
        RuntimeError = *(nint*)Require("PyExc_RuntimeError");
        TypeError = *(nint*)Require("PyExc_TypeError");
        ValueError = *(nint*)Require("PyExc_ValueError");
        RecursionError = *(nint*)Require("PyExc_RecursionError");
    }

    public static void ErrClear() => s_errClear();

    /// <summary>Raises <paramref name="type"/> with a message; returns 0 (NULL) so callers can `return Raise(...)`.</summary>
    public static nint Raise(nint type, string message)
    {
        int n = System.Text.Encoding.UTF8.GetByteCount(message);
        byte* buffer = stackalloc byte[n + 1];
        System.Text.Encoding.UTF8.GetBytes(message, new Span<byte>(buffer, n));
        buffer[n] = 0;
        s_errSetString(type, buffer);
        return 0;
    }
}
