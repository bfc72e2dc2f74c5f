using Pytrace.Generator.Formatting;
using Pytrace.Generator.Interop;
using Pytrace.Records;

namespace Pytrace.Generator.Tracing;

/// <summary>
/// PEP 479: a StopIteration (StopAsyncIteration) raised inside a generator, coroutine or async generator leaves it
/// as RuntimeError("generator raised StopIteration") caused by it. 3.12+ convert inside the frame, 3.11 in the C
/// code that resumed it, where our hook learns the exception from the caller. What the function raised, and what
/// sys.settrace reports for it on every version, is the cause: that is what its end records.
/// </summary>
internal static unsafe class GeneratorStop
{
    private const ushort GeneratorLike = (ushort)(CodeFlags.Generator | CodeFlags.Coroutine | CodeFlags.AsyncGenerator);
    private static int CauseOffset => Py.Minor >= 11 ? 56 : 48; // PyBaseExceptionObject.cause (3.11 added notes before it)

    public static nint Raised(CodeInfo* c, nint exception)
    {
        if ((c->Flags & GeneratorLike) == 0 || exception == 0 || Py.TypeOf(exception) != Py.RuntimeErrorType) return exception;
        nint cause = *(nint*)(exception + CauseOffset);
        if (cause == 0) return exception;
        nint args = *(nint*)(exception + 24);
        if (args == 0 || Py.TypeOf(args) != Py.TupleType || Py.VarSize(args) != 1) return exception;
        nint message = *(nint*)(args + 24);
        if (Py.TypeOf(message) != Py.UnicodeType || !PyStr.CompactAscii(message, out byte* text, out long length)) return exception;
        var said = new ReadOnlySpan<byte>(text, (int)length);
        bool stop = Py.IsSubtype(Py.TypeOf(cause), Py.StopIterationType)
            && (said.SequenceEqual("generator raised StopIteration"u8) || said.SequenceEqual("coroutine raised StopIteration"u8)
                || said.SequenceEqual("async generator raised StopIteration"u8));
        bool asyncStop = Py.IsSubtype(Py.TypeOf(cause), Py.StopAsyncIterationType) && said.SequenceEqual("async generator raised StopAsyncIteration"u8);
        return stop || asyncStop ? cause : exception;
    }
}
