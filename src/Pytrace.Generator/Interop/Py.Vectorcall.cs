using System.Runtime.InteropServices;

namespace Pytrace.Generator.Interop;

/// <summary>
/// Callables CPython calls straight into a C function by the vectorcall protocol (3.12+: sys.monitoring's callbacks).
/// A builtin function object goes through cfunction_vectorcall_FASTCALL first, whose recursion check reads the thread
/// state from thread-local storage: about 50 instructions of every event (cachegrind, fib on 3.12), for a check
/// pytrace's callbacks never need.
/// </summary>
internal static unsafe partial class Py
{
    // PyType_Slot ids and flags (Include/typeslots.h, object.h, descrobject.h): stable since 3.9.
    private const int TpCallSlot = 50, TpMembersSlot = 72, TypeFlagDefault = 1 << 18, TypeFlagHaveVectorcall = 1 << 11,
        TypeFlagImmutable = 1 << 8, MemberPySsizeT = 19, MemberReadOnly = 1;
    /// <summary>The object's layout: its head, then the function it is called by.</summary>
    private const int FunctionOffset = 16, CallableSize = 24;
    private static nint s_callableType;

    /// <summary>
    /// A new callable whose calls are FUNCTION(callable, args, nargsf, kwnames); a function taking the first three
    /// only (a METH_FASTCALL one) fits, its fourth register unread. 0 (no error set) when the type cannot be made.
    /// </summary>
    public static nint VectorcallCallable(void* function)
    {
        if (s_callableType == 0 && (s_callableType = CallableType()) == 0) return 0;
        nint callable = ((delegate* unmanaged<nint, nint, nint>)Require("PyType_GenericAlloc"))(s_callableType, 0);
        if (callable == 0) { ErrClear(); return 0; }
        *(void**)(callable + FunctionOffset) = function;
        return callable;
    }

    private static nint CallableType()
    {
        // PyMemberDef: name, type, offset, flags, doc; a zeroed one ends the array.
        var members = (byte*)NativeMemory.AllocZeroed(2 * 40);
        *(nint*)members = (nint)Utf8Z("__vectorcalloffset__");
        *(int*)(members + 8) = MemberPySsizeT;
        *(nint*)(members + 16) = FunctionOffset;
        *(int*)(members + 24) = MemberReadOnly;
        // PyType_Slot: slot id, pointer; tp_call must be set for the object to be callable at all.
        var slots = (byte*)NativeMemory.AllocZeroed(3 * 16);
        *(int*)slots = TpMembersSlot;
        *(nint*)(slots + 8) = (nint)members;
        *(int*)(slots + 16) = TpCallSlot;
        *(nint*)(slots + 24) = Require("PyVectorcall_Call");
        // PyType_Spec: name, basicsize, itemsize, flags, slots.
        var spec = (byte*)NativeMemory.AllocZeroed(32);
        *(nint*)spec = (nint)Utf8Z("pytrace._native.callback");
        *(int*)(spec + 8) = CallableSize;
        *(uint*)(spec + 16) = TypeFlagDefault | TypeFlagHaveVectorcall | TypeFlagImmutable;
        *(nint*)(spec + 24) = (nint)slots;
        nint type = ((delegate* unmanaged<nint, nint>)Require("PyType_FromSpec"))((nint)spec);
        if (type == 0) ErrClear();
        return type;
    }
}
