using System.Runtime.InteropServices;
using Pytrace.Generator.Interop;
using Pytrace.Generator.Tracing;

namespace Pytrace.Generator.Hooks;

/// <summary>
/// Reads arguments through <c>frame.f_locals</c> when the frame offsets did not pass their check at import:
/// slower, but right on any build. Holds its references until the next call.
/// </summary>
internal static unsafe class FallbackArgs
{
    private static nint* s_values;
    private static int s_count;

    public static nint* Slots(CodeInfo* c)
    {
        if (s_values == null) s_values = (nint*)NativeMemory.AllocZeroed(CodeRegistry.MaxArgs, (nuint)sizeof(nint));
        for (int i = 0; i < s_count; i++) Py.DecRef(s_values[i]);
        s_count = 0;
        nint frame = Py.EvalGetFrame();
        nint locals = frame == 0 ? 0 : Py.GetAttr(frame, "f_locals"u8);
        if (locals == 0 || c->VarNames == 0) { Py.DecRef(locals); return s_values; }
        nint* names = (nint*)(c->VarNames + 24);
        long available = Py.VarSize(c->VarNames);
        for (int i = 0; i < c->ArgCount && i < available; i++)
        {
            s_values[i] = Py.GetItem(locals, names[i]);
            if (s_values[i] == 0) Py.ErrClear();
        }
        s_count = c->ArgCount;
        Py.DecRef(locals);
        return s_values;
    }
}
