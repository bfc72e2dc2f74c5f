using System.Runtime.CompilerServices;
namespace Pytrace.Generator.Interop;

/// <summary>
/// Where frames keep their code, globals and argument slots, per CPython version (from the headers under
/// include/pythonX.Y, internal/ included). <see cref="Verify"/> checks them against the running interpreter;
/// when they disagree the tracer reads arguments through <c>frame.f_locals</c> instead.
/// </summary>
internal static unsafe class FrameLayout
{
    /// <summary>True when frames are _PyInterpreterFrame (3.11+) reached from PyFrameObject.f_frame.</summary>
    public static bool Interpreted;
    public static int FrameToInterp;   // PyFrameObject.f_frame (3.11+)
    public static int CodeOffset;      // in PyFrameObject (<=3.10) or _PyInterpreterFrame
    public static int GlobalsOffset;
    public static int LocalsPlusOffset;
    public static int LastiOffset;     // PyFrameObject.f_lasti (<=3.10)
    public static int StackTopOffset;  // PyFrameObject.f_stacktop (3.8, 3.9)
    public static int StateOffset;     // PyFrameObject.f_state (3.10)
    public static int PrevInstrOffset; // _PyInterpreterFrame.prev_instr (3.11)
    public static int CodeNLocalsOffset; // PyCodeObject.co_nlocals (<=3.10)
    public static int ThreadStateIdOffset;
    public static int ThreadStateFrameOffset; // 3.12: cframe, then current_frame at +0; 3.13: current_frame
    public static bool Verified;
    public static int ThreadStateProfileFuncOffset; // <=3.11: c_profilefunc; c_tracefunc follows it
    public static int FrameTraceLinesOffset;        // <=3.11: PyFrameObject.f_trace_lines

    public const int YieldValue311 = 86;
    public const int ReturnGenerator311 = 75;
    public const int FrameOwnerOffset311 = 69;          // _PyInterpreterFrame.owner
    public const byte FrameOwnedByGenerator311 = 1;
    public const int ThreadStateTracingOffset311 = 44;  // PyThreadState.tracing
    public const int Resume311 = 151;
    /// <summary>What RESUME becomes once the adaptive interpreter has warmed the code up (_PyOpcode_Deopt maps it back).</summary>
    public const int ResumeQuick311 = 150;
    public const int FrameSuspended310 = -1;

    public static void Initialize(int minor)
    {
        Interpreted = minor >= 11;
        FrameToInterp = 24;
        switch (minor)
        {
            case 8 or 9:
                CodeOffset = 32; GlobalsOffset = 48; LocalsPlusOffset = 360; LastiOffset = 104; StackTopOffset = 72;
                break;
            case 10:
                CodeOffset = 32; GlobalsOffset = 48; LocalsPlusOffset = 352; LastiOffset = 96; StateOffset = 108;
                break;
            case 11:
                CodeOffset = 32; GlobalsOffset = 8; LocalsPlusOffset = 72; PrevInstrOffset = 56;
                break;
            default:
                CodeOffset = 0; GlobalsOffset = 24; LocalsPlusOffset = 72;
                ThreadStateFrameOffset = minor == 12 ? 56 : 72;
                break;
        }
        CodeNLocalsOffset = 28;
        ThreadStateProfileFuncOffset = minor == 11 ? 64 : 56;
        FrameTraceLinesOffset = minor switch { 8 or 9 => 88, 10 => 84, _ => 44 };
        ThreadStateIdOffset = minor switch { 8 or 9 or 10 => 256, 11 => 240, _ => 224 };
    }

    /// <summary>The _PyInterpreterFrame (3.11+) or PyFrameObject (<=3.10) that holds the slots, from a PyFrameObject.</summary>
    public static nint SlotsFrame(nint frameObject) => Interpreted ? *(nint*)(frameObject + FrameToInterp) : frameObject;

    /// <summary>The running _PyInterpreterFrame of a thread state (3.12+).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nint CurrentInterpFrame(nint tstate) =>
        Py.Minor == 12 ? **(nint**)(tstate + ThreadStateFrameOffset) : *(nint*)(tstate + ThreadStateFrameOffset);

    /// <summary>The calling _PyInterpreterFrame (3.12+: `previous`, right after the code), 0 at the bottom.</summary>
    public static nint PreviousOf(nint interpFrame) => *(nint*)(interpFrame + 8);

    public static nint* LocalsPlus(nint slotsFrame) => (nint*)(slotsFrame + LocalsPlusOffset);
    public static nint CodeOf(nint slotsFrame) => *(nint*)(slotsFrame + CodeOffset);
    public static nint GlobalsOf(nint slotsFrame) => *(nint*)(slotsFrame + GlobalsOffset);

    public static long ThreadStateId(nint tstate) => *(long*)(tstate + ThreadStateIdOffset);

    /// <summary>3.11: the opcode of the instruction a _PyInterpreterFrame last ran (prev_instr), or -1.</summary>
    public static int LastOpcode311(nint interpFrame)
    {
        byte* instruction = *(byte**)(interpFrame + PrevInstrOffset);
        return instruction == null ? -1 : instruction[0];
    }

    /// <summary>
    /// Called from a Python function <c>_probe(a, b, probe)</c> while it runs: its frame must show the
    /// probe's code and a, b in the first two slots, reached the same way the hooks reach them.
    /// </summary>
    public static bool Verify(nint expectedCode, nint a, nint b)
    {
        nint frameObject = Py.EvalGetFrame();
        if (frameObject == 0) return false;
        nint slots = SlotsFrame(frameObject);
        if (CodeOf(slots) != expectedCode) return false;
        nint* locals = LocalsPlus(slots);
        if (locals[0] != a || locals[1] != b) return false;
        nint tstate = Py.ThreadStateGet();
        if (Py.Minor >= 12 && CurrentInterpFrame(tstate) != slots) return false;
        if (Py.ThreadStateGetId != null && Py.ThreadStateGetId(tstate) != ThreadStateId(tstate)) return false;
        return true;
    }
}
