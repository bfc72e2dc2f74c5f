using Pytrace.Generator.Interop;

namespace Pytrace.Generator.Tracing;

/// <summary>
/// The C layouts of standard-library objects that LibraryValues reads in place, each checked against the
/// interpreter's own answer: generators at import, the types of modules a program may never import (deque,
/// defaultdict, OrderedDict, partial) the first time one of their values is seen, with C calls only.
/// </summary>
internal static unsafe class LibraryLayouts
{
    public const int DequeBlockLength = 64;

    /// <summary>sizeof(PyDictObject): where defaultdict's default_factory and OrderedDict's first link are.</summary>
    public static int DictSize;
    /// <summary>Where a generator, coroutine or async generator holds its __qualname__ (0: the layout check failed).</summary>
    public static int GeneratorQualNameOffset;
    private static int s_deque, s_orderedDict, s_defaultDict, s_partial, s_match; // 0 unknown, 1 good, -1 failed

    public static bool Deque => Checked(ref s_deque, &DequeLayout);
    public static bool OrderedDict => Checked(ref s_orderedDict, &OrderedDictLayout);
    public static bool DefaultDict => Checked(ref s_defaultDict, &DefaultDictLayout);
    public static bool Partial => Checked(ref s_partial, &PartialLayout);

    /// <summary>
    /// Whether a re.Match holds its subject first after its variable head (MatchObject: string, regs, pattern...),
    /// told by the first match seen against its own <c>string</c> member.
    /// </summary>
    public static bool MatchSubject(nint match)
    {
        if (s_match == 0)
        {
            nint subject = Py.GetAttr(match, "string"u8);
            s_match = subject != 0 && subject == *(nint*)(match + 24) ? 1 : -1;
            Py.DecRef(subject);
        }
        return s_match > 0;
    }

    public static void Initialize()
    {
        DictSize = (int)*(long*)(Py.DictType + Py.TpBasicSizeOffset);
        // PyGenObject: head, then (3.8-3.9) frame, running, code, weakreflist, name; (3.10) frame, code...; (3.11) code,
        // weakreflist, name; (3.12+) weakreflist, name.
        GeneratorQualNameOffset = GeneratorLayout(Py.Minor switch { <= 9 => 56, 10 => 48, 11 => 40, _ => 32 });
    }

    private static bool Checked(ref int state, delegate*<bool> check)
    {
        if (state == 0) state = check() ? 1 : -1;
        return state > 0;
    }

    // The qualname slot of one generator, one coroutine and one async generator, against their own getter's answer.
    private static int GeneratorLayout(int offset)
    {
        nint globals = Py.DictNew();
        bool ok = Py.Exec("class C:\n    def g(self):\n        yield\n    async def c(self):\n        pass\n    async def a(self):\n        yield\n"
            + "v = [C().g(), C().c(), C().a()]", globals);
        nint made = ok ? Py.DictItem(globals, "v"u8) : 0;
        ok = made != 0 && Py.TypeOf(made) == Py.ListType && Py.VarSize(made) == 3;
        for (int i = 0; ok && i < 3; i++)
        {
            nint value = (*(nint**)(made + 24))[i];
            nint qualName = Py.GetAttr(value, "__qualname__"u8);
            ok = qualName != 0 && qualName == *(nint*)(value + offset) && Py.TypeOf(value) == (i == 0 ? Py.GenType : i == 1 ? Py.CoroType : Py.AsyncGenType);
            Py.DecRef(qualName);
            if (ok && i == 1) CallMethod(value, "close"u8, 0); // no "never awaited" warning
        }
        Py.DecRef(globals);
        Py.ErrClear();
        return ok ? offset : 0;
    }

    // deque(range(200)) less 70 from the left, one pushed back and 5 more on the right: its blocks walked as the
    // formatter walks them, against the deque's own iterator; and a bounded deque's maxlen.
    private static bool DequeLayout()
    {
        nint deque = Py.LoadedModuleItem("_collections"u8, "deque"u8);
        nint d = Call(deque, Call(Py.RangeType, Py.LongFromLongLong(200)));
        bool ok = d != 0;
        for (int i = 0; ok && i < 70; i++) ok = CallMethod(d, "popleft"u8, 0);
        ok = ok && CallMethod(d, "appendleft"u8, Py.LongFromLongLong(-1)) && CallMethod(d, "extend"u8, Call(Py.RangeType, Py.LongFromLongLong(5)));
        ok = ok && SameItems(d, Py.VarSize(d)) && *(long*)(d + 64) == -1;
        nint bounded = ok ? Call(deque, Py.Tuple(Py.TupleNew(0), Py.LongFromLongLong(7)), tuple: true) : 0;
        ok = ok && bounded != 0 && *(long*)(bounded + 64) == 7;
        Py.DecRef(bounded);
        Py.DecRef(d);
        Py.ErrClear();
        return ok;
    }

    private static bool SameItems(nint d, long size)
    {
        nint iterator = Py.GetIter(d);
        nint block = *(nint*)(d + 24);
        long index = *(long*)(d + 40);
        bool same = iterator != 0 && size == 136;
        for (long i = 0; same && i < size; i++)
        {
            nint item = Py.IterNext(iterator);
            same = item == ((nint*)(block + 8))[index];
            Py.DecRef(item);
            if (++index == DequeBlockLength) { block = *(nint*)(block + 8 + DequeBlockLength * 8); index = 0; }
        }
        Py.DecRef(iterator);
        return same;
    }

    // An OrderedDict reordered by move_to_end both ways and a deletion: its links walked against its own iterator.
    private static bool OrderedDictLayout()
    {
        nint od = Call(Py.ODictType, 0);
        bool ok = od != 0;
        for (int i = 0; ok && i < 6; i++)
        {
            nint key = Py.LongFromLongLong(i);
            ok = Py.SetItem(od, key, key) == 0;
            Py.DecRef(key);
        }
        ok = ok && CallMethod(od, "move_to_end"u8, Py.LongFromLongLong(2)) && CallMethod(od, "popitem"u8, Py.False, steal: false);
        nint iterator = ok ? Py.GetIter(od) : 0;
        int count = 0;
        for (nint node = *(nint*)(od + DictSize); ok && node != 0; node = *(nint*)(node + 16), count++)
        {
            nint key = Py.IterNext(iterator);
            ok = key == *(nint*)node;
            Py.DecRef(key);
        }
        ok = ok && count == 5 && Py.IterNext(iterator) == 0;
        Py.DecRef(iterator);
        Py.DecRef(od);
        Py.ErrClear();
        return ok;
    }

    private static bool DefaultDictLayout()
    {
        nint d = Call(Py.LoadedModuleItem("_collections"u8, "defaultdict"u8), Py.ListType, steal: false);
        bool ok = d != 0 && *(nint*)(d + DictSize) == Py.ListType;
        Py.DecRef(d);
        Py.ErrClear();
        return ok;
    }

    // partial(list, 1): fn, args and keywords, first after the head.
    private static bool PartialLayout()
    {
        Py.IncRef(Py.ListType); // the tuple steals it
        nint p = Call(Py.LoadedModuleItem("_functools"u8, "partial"u8), Py.Tuple(Py.ListType, Py.LongFromLongLong(1)), tuple: true);
        bool ok = p != 0 && *(nint*)(p + 16) == Py.ListType && Py.TypeOf(*(nint*)(p + 24)) == Py.TupleType
            && Py.VarSize(*(nint*)(p + 24)) == 1 && Py.TypeOf(*(nint*)(p + 32)) == Py.DictType;
        Py.DecRef(p);
        Py.ErrClear();
        return ok;
    }

    // CALLABLE(ARGUMENT) (no argument when 0), stealing ARGUMENT unless told not to; a new reference or 0.
    private static nint Call(nint callable, nint argument, bool steal = true, bool tuple = false)
    {
        if (callable == 0) return 0;
        if (argument != 0 && !steal) Py.IncRef(argument);
        nint args = argument == 0 ? 0 : tuple ? argument : Py.Tuple(argument);
        nint result = Py.CallObject(callable, args);
        Py.DecRef(args);
        return result;
    }

    private static bool CallMethod(nint o, ReadOnlySpan<byte> nameZ, nint argument, bool steal = true)
    {
        nint method = Py.GetAttr(o, nameZ);
        nint result = Call(method, argument, steal);
        Py.DecRef(method);
        Py.DecRef(result);
        return result != 0;
    }
}
