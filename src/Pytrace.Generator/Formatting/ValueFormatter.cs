using Pytrace.Generator.Interop;
using Pytrace.Generator.Tracing;

namespace Pytrace.Generator.Formatting;

/// <summary>
/// Bounded formatting of any value: repr() for scalars, first items of containers (nested to a small depth,
/// cycles shown as Python shows them), and no user code unless --repr full. Work stops when the text is full,
/// so the cost does not grow with the size of a container.
/// </summary>
internal static unsafe class ValueFormatter
{
    public const int MaxNesting = 4;
    public static bool FullRepr;

    public static void Format(ref ValueText w, nint o, TypeInfo* info, int nesting, nint* open)
    {
        switch (info->Kind)
        {
            case TypeKind.None: w.Ascii("None"u8); return;
            case TypeKind.Bool: w.Ascii(o == Py.True ? "True"u8 : "False"u8); return;
            case TypeKind.Int: ScalarFormatter.Int(ref w, o); return;
            case TypeKind.Float: ScalarFormatter.Float(ref w, o); return;
            case TypeKind.Str: ScalarFormatter.Str(ref w, o); return;
            case TypeKind.Bytes: ScalarFormatter.Bytes(ref w, o); return;
            case TypeKind.List or TypeKind.Tuple or TypeKind.Dict or TypeKind.Set or TypeKind.FrozenSet:
                Container(ref w, o, info->Kind, nesting, open, false);
                return;
            case TypeKind.Module: Module(ref w, o); return;
            case TypeKind.SafeRepr: Repr(ref w, o); return;
            case TypeKind.Exception: Exception(ref w, o, info, nesting, open); return;
            case TypeKind.Class:
                TypeInfo* cls = TypeRegistry.Get(o);
                w.Ascii("<class '"u8);
                w.Utf8(cls->FullName, cls->FullNameLength);
                w.Ascii("'>"u8);
                return;
            case TypeKind.Subclass when !info->ReprOverridden && !FullRepr:
                FormatAs(ref w, o, info->BaseKind, nesting, open);
                return;
            case TypeKind.Subclass when !FullRepr:
                w.Utf8(ShortName(info, out int n), n);
                w.Ascii((byte)'(');
                if (info->BaseKind == TypeKind.Tuple) Container(ref w, o, TypeKind.Tuple, nesting, open, bare: true);
                else FormatAs(ref w, o, info->BaseKind, nesting, open);
                w.Ascii((byte)')');
                return;
        }
        if (FullRepr) Repr(ref w, o);
        else Opaque(ref w, o, info);
    }

    /// <summary>Formats an element: the common exact built-ins are recognized without a registry lookup.</summary>
    public static void Format(ref ValueText w, nint o, int nesting, nint* open)
    {
        nint type = Py.TypeOf(o);
        if (type == Py.LongType) ScalarFormatter.Int(ref w, o);
        else if (type == Py.UnicodeType) ScalarFormatter.Str(ref w, o);
        else if (type == Py.FloatType) ScalarFormatter.Float(ref w, o);
        else if (o == Py.None) w.Ascii("None"u8);
        else if (type == Py.BoolType) w.Ascii(o == Py.True ? "True"u8 : "False"u8);
        else Format(ref w, o, TypeRegistry.Get(type), nesting, open);
    }

    private static void FormatAs(ref ValueText w, nint o, TypeKind kind, int nesting, nint* open)
    {
        switch (kind)
        {
            case TypeKind.Int: ScalarFormatter.Int(ref w, o); return;
            case TypeKind.Float: ScalarFormatter.Float(ref w, o); return;
            case TypeKind.Str: ScalarFormatter.Str(ref w, o); return;
            case TypeKind.Bytes: ScalarFormatter.Bytes(ref w, o); return;
            default: Container(ref w, o, kind, nesting, open, false); return;
        }
    }

    private static void Container(ref ValueText w, nint o, TypeKind kind, int nesting, nint* open, bool bare)
    {
        long size = kind is TypeKind.Dict or TypeKind.Set or TypeKind.FrozenSet ? ContainerSize(o, kind) : Py.VarSize(o);
        if (kind == TypeKind.Set && size == 0) { w.Ascii("set()"u8); return; }
        if (kind == TypeKind.FrozenSet && size == 0) { w.Ascii("frozenset()"u8); return; }
        if (kind == TypeKind.FrozenSet) w.Ascii("frozenset("u8);
        var (openChar, closeChar) = kind switch
        {
            TypeKind.List => ((byte)'[', (byte)']'),
            TypeKind.Tuple => ((byte)'(', (byte)')'),
            _ => ((byte)'{', (byte)'}'),
        };
        bool cycle = false;
        for (int i = 0; i < nesting; i++) cycle |= open[i] == o;
        if (cycle || nesting >= MaxNesting)
        {
            w.Ascii(openChar); w.Ascii("..."u8); w.Ascii(closeChar);
            if (kind == TypeKind.FrozenSet) w.Ascii((byte)')');
            return;
        }
        open[nesting] = o;
        if (!bare) w.Ascii(openChar);
        switch (kind)
        {
            case TypeKind.List or TypeKind.Tuple:
                nint* items = kind == TypeKind.List ? *(nint**)(o + 24) : (nint*)(o + 24);
                for (long i = 0; i < size && !w.Full; i++)
                {
                    if (i > 0) w.Ascii(", "u8);
                    Format(ref w, items[i], nesting + 1, open);
                }
                if (kind == TypeKind.Tuple && size == 1 && !bare) w.Ascii((byte)',');
                break;
            case TypeKind.Dict:
                nint pos = 0, key, value;
                for (bool first = true; !w.Full && Py.DictNext(o, &pos, &key, &value) != 0; first = false)
                {
                    if (!first) w.Ascii(", "u8);
                    Format(ref w, key, nesting + 1, open);
                    w.Ascii(": "u8);
                    Format(ref w, value, nesting + 1, open);
                }
                break;
            default:
                SetItems(ref w, o, nesting, open);
                break;
        }
        if (!bare) w.Ascii(closeChar);
        if (kind == TypeKind.FrozenSet) w.Ascii((byte)')');
    }

    private static long ContainerSize(nint o, TypeKind kind) =>
        kind == TypeKind.Dict ? *(long*)(o + 16) : *(long*)(o + 24); // ma_used / set.used

    private static void SetItems(ref ValueText w, nint o, int nesting, nint* open)
    {
        bool first = true;
        if (Py.SetNextEntry != null)
        {
            nint pos = 0, key;
            long hash;
            while (!w.Full && Py.SetNextEntry(o, &pos, &key, &hash) != 0)
            {
                if (!first) w.Ascii(", "u8);
                first = false;
                Format(ref w, key, nesting + 1, open);
            }
            return;
        }
        nint iterator = Py.GetIter(o);
        if (iterator == 0) { Py.ErrClear(); return; }
        nint item;
        while (!w.Full && (item = Py.IterNext(iterator)) != 0)
        {
            if (!first) w.Ascii(", "u8);
            first = false;
            Format(ref w, item, nesting + 1, open);
            Py.DecRef(item);
        }
        Py.DecRef(iterator);
        Py.ErrClear();
    }

    private static void Module(ref ValueText w, nint o)
    {
        byte* name = Py.ModuleGetName(o);
        if (name == null) { Py.ErrClear(); w.Ascii("<module>"u8); return; }
        w.Ascii("<module '"u8);
        w.Utf8(name, new ReadOnlySpan<byte>(name, 1 << 20).IndexOf((byte)0));
        w.Ascii("'>"u8);
    }

    /// <summary>BaseException-style Type(args) without calling the exception's own repr.</summary>
    private static void Exception(ref ValueText w, nint o, TypeInfo* info, int nesting, nint* open)
    {
        w.Utf8(ShortName(info, out int n), n);
        w.Ascii((byte)'(');
        nint args = *(nint*)(o + 24);
        if (args != 0 && Py.TypeOf(args) == Py.TupleType && nesting < MaxNesting)
        {
            open[nesting] = o;
            nint* items = (nint*)(args + 24);
            long size = Py.VarSize(args);
            for (long i = 0; i < size && !w.Full; i++)
            {
                if (i > 0) w.Ascii(", "u8);
                Format(ref w, items[i], nesting + 1, open);
            }
        }
        w.Ascii((byte)')');
    }

    /// <summary>repr() called for real: a C repr we trust, or any object under --repr full. Errors become text.</summary>
    public static void Repr(ref ValueText w, nint o)
    {
        nint type, value, traceback;
        Py.ErrFetch(&type, &value, &traceback);
        nint repr = Py.Repr(o);
        if (repr == 0)
        {
            nint failedType, failedValue, failedTraceback;
            Py.ErrFetch(&failedType, &failedValue, &failedTraceback);
            w.Ascii("<repr failed: "u8);
            nint name = failedType != 0 ? Py.GetAttr(failedType, "__qualname__"u8) : 0;
            if (name != 0) { ScalarFormatter.CopyStr(ref w, name); Py.DecRef(name); }
            w.Ascii((byte)'>');
            Py.DecRef(failedType); Py.DecRef(failedValue); Py.DecRef(failedTraceback);
        }
        else
        {
            if (Py.TypeOf(repr) == Py.UnicodeType) ScalarFormatter.CopyStr(ref w, repr);
            Py.DecRef(repr);
        }
        Py.ErrRestore(type, value, traceback);
    }

    private static void Opaque(ref ValueText w, nint o, TypeInfo* info)
    {
        w.Ascii((byte)'<');
        w.Utf8(info->FullName, info->FullNameLength);
        w.Ascii(" object at 0x"u8);
        w.Hex((ulong)o, 1);
        w.Ascii((byte)'>');
    }

    /// <summary>The type's qualified name, read from its definition record (kind, id, length, text).</summary>
    private static byte* ShortName(TypeInfo* info, out int length)
    {
        length = *(ushort*)(info->Definition + 8);
        return info->Definition + 10;
    }
}
