using Pytrace.Generator.Interop;
using Pytrace.Generator.Tracing;
using Pytrace.Records;

namespace Pytrace.Generator.Hooks;

/// <summary>A recorded call ends by the exception set in the thread state, which stays set for the interpreter.</summary>
internal static unsafe class SetException
{
    public static void End(ThreadInfo* t, CodeInfo* c, ulong ticks)
    {
        nint type, value, traceback;
        Py.ErrFetch(&type, &value, &traceback);
        // 3.8-3.11 keep C-raised errors unnormalized (a message, or nothing); normalizing builds the instance.
        if (type != 0 && (value == 0 || !Py.IsSubtype(Py.TypeOf(value), Py.BaseExceptionType)))
            Py.ErrNormalize(&type, &value, &traceback);
        Tracer.End(t, c, RecordKind.Exception, value, ticks);
        Py.ErrRestore(type, value, traceback);
    }
}
