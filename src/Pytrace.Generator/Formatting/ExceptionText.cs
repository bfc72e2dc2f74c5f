using Pytrace.Generator.Interop;

namespace Pytrace.Generator.Formatting;

/// <summary>
/// str(exception), as a traceback prints it after the type. A C-implemented __str__ is called; a __str__
/// written in Python is user code, so without --repr full the message is rebuilt from the exception's args
/// the way BaseException.__str__ would.
/// </summary>
internal static unsafe class ExceptionText
{
    private const int TpStrOffset = 136;
    /// <summary>tp_str of classes that define __str__ in Python (slot_tp_str), learned from a probe class.</summary>
    public static nint PythonStrSlot;

    public static void Message(ref ValueText w, nint exception)
    {
        nint type = Py.TypeOf(exception);
        if (!Py.IsSubtype(type, Py.BaseExceptionType))
        {
            // 3.8-3.11 may hand over an unnormalized value: a message string, an args tuple.
            if (type == Py.UnicodeType) ScalarFormatter.CopyStr(ref w, exception);
            else
            {
                nint* open = stackalloc nint[ValueFormatter.MaxNesting + 1];
                ValueFormatter.Format(ref w, exception, 0, open);
            }
            return;
        }
        if (*(nint*)(type + TpStrOffset) != PythonStrSlot || ValueFormatter.FullRepr)
        {
            nint t, v, tb;
            Py.ErrFetch(&t, &v, &tb);
            nint text = Py.Str(exception);
            if (text != 0 && Py.TypeOf(text) == Py.UnicodeType) ScalarFormatter.CopyStr(ref w, text);
            else { Py.ErrClear(); w.Ascii("<str failed>"u8); }
            Py.DecRef(text);
            Py.ErrRestore(t, v, tb);
            return;
        }
        nint args = *(nint*)(exception + 24);
        if (args == 0 || Py.TypeOf(args) != Py.TupleType) return;
        long size = Py.VarSize(args);
        nint* items = (nint*)(args + 24);
        if (size == 1 && Py.TypeOf(items[0]) == Py.UnicodeType) ScalarFormatter.CopyStr(ref w, items[0]);
        else if (size >= 1)
        {
            nint* open = stackalloc nint[ValueFormatter.MaxNesting + 1];
            ValueFormatter.Format(ref w, size == 1 ? items[0] : args, 0, open);
        }
    }
}
