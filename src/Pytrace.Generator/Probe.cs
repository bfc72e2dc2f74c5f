using System.Runtime.InteropServices;
using Pytrace.Generator.Tracing;
using Pytrace.Generator.Interop;

namespace Pytrace.Generator;

/// <summary>
/// Runs a little Python at import to check layout assumptions against the live interpreter: the frame offsets
/// (by reading a running function's arguments the way the hooks do) and how a Python-level __repr__ shows up.
/// </summary>
internal static unsafe class Probe
{
    private const string Source = """
        def _probe(a, b, probe):
            return probe()

        class _ReprProbe:
            def __repr__(self):
                return ''
        """;

    private static nint s_code, s_a, s_b;
    private static bool s_framesOk;

    public static bool Run()
    {
        nint globals = Py.DictNew();
        nint builtins = Py.Import("builtins");
        fixed (byte* key = "__builtins__"u8) Py.DictSetItemString(globals, key, builtins);
        Py.DecRef(builtins);
        bool ok = Py.Exec(Source, globals);
        if (ok)
        {
            nint reprProbe = Py.DictItem(globals, "_ReprProbe"u8);
            if (reprProbe != 0) TypeClassifier.PythonReprSlot = Py.Slot(reprProbe, Py.TpReprOffset);
            nint function = Py.DictItem(globals, "_probe"u8);
            ok = function != 0 && CheckFrames(function);
        }
        Py.DecRef(globals);
        FrameLayout.Verified = ok;
        return ok;
    }

    private static bool CheckFrames(nint function)
    {
        s_code = Py.GetAttr(function, "__code__"u8);
        s_a = Py.NewString("probe-a");
        s_b = Py.LongFromLongLong(123456789);
        nint callback = Py.CFunctionNew(Py.MethodDef("_pytrace_probe", (delegate* unmanaged<nint, nint, nint>)&Callback, Py.MethNoArgs), 0, 0);
        Py.IncRef(s_a);
        Py.IncRef(s_b);
        nint args = Py.Tuple(s_a, s_b, callback);
        nint result = Py.CallObject(function, args);
        if (result == 0) Py.ErrClear(); else Py.DecRef(result);
        Py.DecRef(args);
        Py.DecRef(s_a);
        Py.DecRef(s_b);
        Py.DecRef(s_code);
        return s_framesOk;
    }

    [UnmanagedCallersOnly]
    private static nint Callback(nint self, nint unused)
    {
        try
        {
            s_framesOk = FrameLayout.Verify(s_code, s_a, s_b);
        }
        catch (Exception)
        {
            s_framesOk = false; // arguments are then read through f_locals
        }
        return Py.NewNone();
    }
}
