using Pytrace.Interop;

namespace Pytrace.Generator.Hooks;

/// <summary>
/// A C hook (Py_tracefunc: self, frame, what, arg) in a few bytes of machine code that answers 0 to the events it
/// knows need nothing, without entering managed code, and tail-jumps to the managed hook with the rest. Entering and
/// leaving managed code is most of what such an event would cost.
/// </summary>
internal static unsafe class HookStub
{
    /// <summary>
    /// A stub passing the events below <paramref name="firstAnswered"/> to <paramref name="managed"/>, and the others
    /// too while <paramref name="passAll"/> (if any) holds a nonzero byte; <paramref name="managed"/> itself when no
    /// page can be made executable.
    /// </summary>
    public static nint Map(nint managed, byte firstAnswered, byte* passAll)
    {
        var code = new byte[64]; // once per hook, at install
        int n = 0;
        void Emit(ReadOnlySpan<byte> bytes) { bytes.CopyTo(code.AsSpan(n)); n += bytes.Length; }
        Emit([0x83, 0xFA, firstAnswered]); // cmp edx, firstAnswered (edx: what)
        int jumpToManaged = n + 1;
        Emit([0x7C, 0x00]); // jl managed
        if (passAll != null)
        {
            Emit([0x48, 0xB8]); // mov rax, passAll
            BitConverter.TryWriteBytes(code.AsSpan(n), (ulong)passAll);
            n += 8;
            Emit([0x80, 0x38, 0x00, 0x75, 0x03]); // cmp byte [rax], 0; jne managed (past the 3 bytes below)
        }
        Emit([0x31, 0xC0, 0xC3]); // xor eax, eax; ret
        code[jumpToManaged] = (byte)(n - (jumpToManaged + 1));
        Emit([0x48, 0xB8]); // managed: mov rax, managed
        BitConverter.TryWriteBytes(code.AsSpan(n), (ulong)managed);
        n += 8;
        Emit([0xFF, 0xE0]); // jmp rax: the managed hook returns to CPython itself
        byte* stub = ExecutableCode.Map(code.AsSpan(0, n));
        return stub != null ? (nint)stub : managed;
    }
}
