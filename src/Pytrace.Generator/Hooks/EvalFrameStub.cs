using Pytrace.Interop;

namespace Pytrace.Generator.Hooks;

/// <summary>
/// A PEP 523 frame evaluator (tstate, frame, throwflag) in machine code: it asks the managed entry hook whether the
/// frame is recorded; if not, it tail-jumps to the interpreter's evaluator, and otherwise calls it and hands its
/// result to the managed exit hook, whose answer it returns. The interpreter's evaluator is called from native
/// code, so a frame costs two entries into managed code and no P/Invoke back out of it.
/// </summary>
internal static unsafe class EvalFrameStub
{
    /// <param name="enter">int enter(tstate, frame, throwflag): 0 when nothing waits for the frame's end; negative when
    /// the frame is refused, with an error set (the stub returns NULL without evaluating it).</param>
    /// <param name="exit">nint exit(tstate, frame, result, what enter answered): the result to give back.</param>
    /// <param name="evaluate">The evaluator the interpreter had (its own, _PyEval_EvalFrameDefault, as a rule).</param>
    /// <returns>The stub, or 0 when no page can be made executable.</returns>
    public static nint Map(nint enter, nint exit, nint evaluate)
    {
        var code = new byte[128]; // once per install
        int n = 0;
        void Emit(params ReadOnlySpan<byte> bytes) { bytes.CopyTo(code.AsSpan(n)); n += bytes.Length; }
        void Address(nint value) { BitConverter.TryWriteBytes(code.AsSpan(n), (ulong)value); n += 8; }
        // Three pushes after the return address leave rsp 16-byte aligned for the calls below.
        Emit(0x53, 0x41, 0x54, 0x41, 0x55); // push rbx; push r12; push r13
        Emit(0x48, 0x89, 0xFB, 0x49, 0x89, 0xF4, 0x41, 0x89, 0xD5); // mov rbx, rdi; mov r12, rsi; mov r13d, edx
        Emit(0x48, 0xB8); Address(enter); Emit(0xFF, 0xD0); // mov rax, enter; call rax
        Emit(0x48, 0x89, 0xDF, 0x4C, 0x89, 0xE6, 0x44, 0x89, 0xEA); // mov rdi, rbx; mov rsi, r12; mov edx, r13d
        Emit(0x85, 0xC0); // test eax, eax
        int skip = n + 1;
        Emit(0x74, 0x00); // jz untouched
        int refuse = n + 1;
        Emit(0x78, 0x00); // js refused
        Emit(0x41, 0x89, 0xC5); // mov r13d, eax
        Emit(0x48, 0xB8); Address(evaluate); Emit(0xFF, 0xD0); // mov rax, evaluate; call rax
        Emit(0x48, 0x89, 0xDF, 0x4C, 0x89, 0xE6, 0x48, 0x89, 0xC2, 0x44, 0x89, 0xE9); // mov rdi, rbx; mov rsi, r12; mov rdx, rax; mov ecx, r13d
        Emit(0x48, 0xB8); Address(exit); Emit(0xFF, 0xD0); // mov rax, exit; call rax
        Emit(0x41, 0x5D, 0x41, 0x5C, 0x5B, 0xC3); // pop r13; pop r12; pop rbx; ret
        code[skip] = (byte)(n - (skip + 1));
        Emit(0x41, 0x5D, 0x41, 0x5C, 0x5B); // untouched: pop r13; pop r12; pop rbx
        Emit(0x48, 0xB8); Address(evaluate); Emit(0xFF, 0xE0); // mov rax, evaluate; jmp rax
        code[refuse] = (byte)(n - (refuse + 1));
        Emit(0x41, 0x5D, 0x41, 0x5C, 0x5B, 0x31, 0xC0, 0xC3); // refused: pop r13; pop r12; pop rbx; xor eax, eax; ret
        return (nint)ExecutableCode.Map(code.AsSpan(0, n));
    }
}
