namespace Pytrace.Interop;

/// <summary>
/// A few bytes of machine code in a page of their own, written and then made executable (never both at once): what
/// C# cannot say, such as rdtsc, or a hook that returns before any managed code runs.
/// </summary>
public static unsafe class ExecutableCode
{
    /// <summary>The code's address, or null when no page can be made executable.</summary>
    public static byte* Map(ReadOnlySpan<byte> code)
    {
        if (code.Length > 4096) return null;
        byte* page = (byte*)Libc.Mmap(null, 4096, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0);
        if (page == (byte*)-1) return null;
        code.CopyTo(new Span<byte>(page, code.Length));
        return Libc.Mprotect(page, 4096, Libc.PROT_READ | Libc.PROT_EXEC) == 0 ? page : null;
    }
}
