using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pytrace.Integration.Tests.Support;

/// <summary>What Python itself says a call was, as the reference tracer (<see cref="ReferenceTrace.Source"/>) saw it.</summary>
public sealed record ExpectedValue(string[] Types, string[] Accept, string Mode);

public sealed record ExpectedArg(string Name, ExpectedValue Value);

public sealed record ExpectedCall(string Kind, string Name, int Depth, int Line, List<ExpectedArg> Args, string End, ExpectedValue? Result);

/// <summary>
/// A pure-Python reference tracer (sys.settrace) and the comparison of its record with pytrace's.
/// <para>The reference records every frame whose code file is under the program's folder (what `--modules` of that
/// folder records): kind (call; resume = a generator/coroutine frame entered again, told apart by f_lasti; class = a
/// class statement's body, code without fast locals that is not a module), the
/// qualified name (co_qualname on 3.11+; before, the __qualname__ of the function object whose __code__ it is, or
/// for a class body the enclosing scope's name + the class name, as the compiler builds it), the depth (how many
/// recorded frames are running below it in the thread), the arguments in declaration order (positional,
/// *args, keyword-only, **kwargs) at entry, and how the frame was left: return or yield (by the opcode at f_lasti)
/// with the value, or the exception that left it (the last 'exception' event not followed by a 'line' event of
/// the frame).</para>
/// <para>Values: built-in scalars (int, float, bool, None, str, bytes, complex), built-in containers of them nested
/// to 4 levels (cycles allowed), and plain classes must be exactly <c>repr()</c>, or, when repr is longer than the
/// limit L (100), its first L-3 characters followed by "..." (ValueText.Finish: the text is cut at L characters and
/// the last three replaced by "...") — a big int may instead be <c>&lt;int of N digits&gt;</c> or <c>&lt;int of ~N
/// digits&gt;</c> with its exact digit count. Objects with object.__repr__ must equal repr() with every 0x address
/// blanked; other values are compared by type name only. An exception's message may be <c>str(exc)</c>,
/// <c>repr(exc)</c> or the traceback line <c>Type: str(exc)</c> (each cut the same way); nothing else.</para>
/// </summary>
public static partial class ReferenceTrace
{
    public const string Source = """
        # Reference tracer: runs a program under sys.settrace and writes, for every frame of code under the program's
        # folder, what Python itself says happened, as JSON. See FidelityTests for the rules.
        import dis, gc, json, os, re, runpy, sys, types

        prog = os.path.realpath(sys.argv[1])
        out_path = sys.argv[2]
        folder = os.path.dirname(prog) + os.sep
        LIMIT = int(os.environ.get("REF_LIMIT", "100"))
        CO_NEWLOCALS, CO_VARARGS, CO_VARKEYWORDS = 0x2, 0x4, 0x8
        GEN_FLAGS = 0x20 | 0x80 | 0x100 | 0x200  # generator, coroutine, iterable coroutine, async generator
        RETURN_OPS = {dis.opmap[n] for n in ("RETURN_VALUE", "RETURN_CONST") if n in dis.opmap}
        SCALARS = (int, float, bool, type(None), str, bytes, complex)
        CONTAINERS = (list, tuple, dict, set, frozenset)
        ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
        _real = os.path.realpath

        def cut(text):
            return text if len(text) <= LIMIT else text[:LIMIT - 3] + "..."

        def exact(value, level, open_ids):
            # only built-in scalars and built-in containers of them, up to 4 container levels (cycles allowed)
            t = type(value)
            if t in SCALARS:
                return True
            if t not in CONTAINERS:
                return False
            if id(value) in open_ids:
                return True  # a cycle: repr shows [...] / {...}
            if level >= 4:
                return False
            open_ids.add(id(value))
            try:
                items = [x for kv in value.items() for x in kv] if t is dict else list(value)
                return all(exact(x, level + 1, open_ids) for x in items)
            finally:
                open_ids.discard(id(value))

        def type_names(t):
            # the type may be recorded by __name__ or __qualname__ (they differ for classes defined in functions)
            return sorted({t.__name__, t.__qualname__})

        def describe(value):
            # [type name, what the stored value may be, how to compare]: 'exact' (one of the listed texts),
            # 'address' (equal once every 0x... address is blanked), or 'type' (only the type is compared)
            t = type(value)
            if exact(value, 0, set()):
                text = repr(value)
                accept = [cut(text)]
                if t is int and len(text) > LIMIT:
                    digits = len(text.lstrip("-"))  # the summary the issue allows
                    accept += ["<int of %d digits>" % digits, "<int of ~%d digits>" % digits]
                return [type_names(t), accept, "exact"]
            if t is type:
                return [type_names(t), [cut(repr(value))], "exact"]  # a class: type.__repr__, no user code
            if t.__repr__ is object.__repr__:
                return [type_names(t), [ADDRESS.sub("0x", cut(repr(value)))], "address"]
            return [type_names(t), [], "type"]

        # Caches are keyed by id, holding the code: code objects compare equal across file names.
        under_cache = {}
        def under(code):
            r = under_cache.get(id(code))
            if r is None:
                try:
                    r = _real(code.co_filename).startswith(folder)
                except Exception:
                    r = False
                under_cache[id(code)] = r = (code, r)
            return r[1]

        names = {}
        def qualname(frame):
            code = frame.f_code
            q = names.get(id(code))
            if q is None:
                q = names[id(code)] = (code, compute_qualname(frame))
            return q[1]

        def compute_qualname(frame):
            code = frame.f_code
            if hasattr(code, "co_qualname"):
                return code.co_qualname
            if code.co_name == "<module>":
                return "<module>"
            if not code.co_flags & CO_NEWLOCALS and frame.f_back is not None:
                # a class body, run by the statement that defines it (the frame below it)
                outer = frame.f_back
                if outer.f_code.co_name == "<module>" and not outer.f_code.co_flags & CO_NEWLOCALS:
                    return code.co_name
                sep = ".<locals>." if outer.f_code.co_flags & CO_NEWLOCALS else "."
                return qualname(outer) + sep + code.co_name
            funcs = {f.__qualname__ for f in gc.get_referrers(code) if type(f) is types.FunctionType and f.__code__ is code}
            if len(funcs) == 1:
                return funcs.pop()
            raise RuntimeError("reference tracer cannot name %r (%s)" % (code, sorted(funcs)))

        first_resume = {}
        def is_first_entry(frame):
            code = frame.f_code
            if not code.co_flags & GEN_FLAGS:
                return True
            if sys.version_info < (3, 11):
                return frame.f_lasti < 0
            off = first_resume.get(code)
            if off is None:
                off = first_resume[code] = next(i.offset for i in dis.get_instructions(code) if i.opname == "RESUME")
            return frame.f_lasti <= off

        def arguments(frame):
            code = frame.f_code
            loc = frame.f_locals
            n = code.co_argcount
            k = code.co_kwonlyargcount
            order = list(code.co_varnames[:n])
            i = n + k
            if code.co_flags & CO_VARARGS:
                order.append("*" + code.co_varnames[i]); i += 1
            order += code.co_varnames[n:n + k]
            if code.co_flags & CO_VARKEYWORDS:
                order.append("**" + code.co_varnames[i])
            return [[name] + describe(loc[name.lstrip("*")]) for name in order]

        records = []
        stack = []  # [frame, record, exception not handled yet, last exception raised in it]

        YIELD_VALUE, YIELD_FROM, RESUME = dis.opmap["YIELD_VALUE"], dis.opmap.get("YIELD_FROM"), dis.opmap.get("RESUME")

        def left_by(frame):
            # how a frame is being left, from the instruction it is at: "return", "yield" or "other" (an exception)
            code, i = frame.f_code, frame.f_lasti
            raw = code.co_code
            if i < 0:
                return "other"
            if raw[i] in RETURN_OPS:
                return "return"
            if code.co_flags & GEN_FLAGS:
                if raw[i] == YIELD_VALUE:
                    return "yield"  # 3.8-3.12
                if YIELD_FROM is not None and i + 2 < len(raw) and raw[i + 2] == YIELD_FROM:
                    return "yield"  # 3.8-3.10 suspended in yield from / await: f_lasti is just before YIELD_FROM
                if raw[i] == RESUME and i >= 2 and raw[i - 2] == YIELD_VALUE:
                    return "yield"  # 3.13
            return "other"

        def local(frame, event, arg):
            top = stack[-1] if stack and stack[-1][0] is frame else None
            if event == "line":
                if top:
                    top[2] = None  # the exception was handled here (or an except clause is being tested)
            elif event == "exception":
                if top:
                    top[2] = top[3] = arg[1]
            elif event == "return":
                if top is None:
                    raise RuntimeError("reference tracer: return of a frame that is not on top: " + frame.f_code.co_name)
                _, rec, pending, last = stack.pop()
                how = left_by(frame)
                # an exception thrown in at a yield leaves the frame at the yield: only a pending one tells
                exc = pending if how == "yield" else last if how == "other" else None
                if how == "other" and exc is None:
                    raise RuntimeError("reference tracer: %s left at offset %d without an exception" % (rec["name"], frame.f_lasti))
                if exc is not None:
                    rec["end"] = "exception"
                    rec["type"] = type_names(type(exc))
                    s = str(exc)
                    name = type(exc).__qualname__  # as the traceback module prints it
                    if type(exc).__module__ not in ("builtins", "__main__"):
                        name = type(exc).__module__ + "." + name
                    tb = name + (": " + s if s else "")
                    rec["accept"] = sorted({cut(s), cut(repr(exc)), cut(tb)})
                    rec["mode"] = "exact"
                else:
                    rec["end"] = how
                    rec["type"], rec["accept"], rec["mode"] = describe(arg)
            return local

        def tracer(frame, event, arg):
            if event != "call" or not under(frame.f_code):
                return None
            first = is_first_entry(frame)
            # A class statement's body is compiled without fast locals (CO_OPTIMIZED), like a module.
            body = not frame.f_code.co_flags & 1 and frame.f_code.co_name != "<module>"
            rec = {"kind": ("class" if body else "call") if first else "resume", "name": qualname(frame), "depth": len(stack),
                   "line": frame.f_code.co_firstlineno, "args": arguments(frame) if first else [], "end": "unfinished"}
            records.append(rec)
            stack.append([frame, rec, None, None])
            return local

        sys.argv = [prog] + sys.argv[3:]
        sys.path[0] = os.path.dirname(prog)
        try:
            sys.settrace(tracer)
            try:
                runpy.run_path(prog, run_name="__main__")
            finally:
                sys.settrace(None)
        finally:
            with open(out_path, "w") as f:
                json.dump(records, f, indent=0)
        """;

    public static List<ExpectedCall> Load(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var calls = new List<ExpectedCall>();
        foreach (var c in doc.RootElement.EnumerateArray())
        {
            var args = c.GetProperty("args").EnumerateArray()
                .Select(a => new ExpectedArg(a[0].GetString()!, new ExpectedValue(Strings(a[1]),
                    a[2].EnumerateArray().Select(x => x.GetString()!).ToArray(), a[3].GetString()!)))
                .ToList();
            string end = c.GetProperty("end").GetString()!;
            ExpectedValue? result = end == "unfinished" ? null : new ExpectedValue(Strings(c.GetProperty("type")),
                c.GetProperty("accept").EnumerateArray().Select(x => x.GetString()!).ToArray(), c.GetProperty("mode").GetString()!);
            calls.Add(new ExpectedCall(c.GetProperty("kind").GetString()!, c.GetProperty("name").GetString()!,
                c.GetProperty("depth").GetInt32(), c.GetProperty("line").GetInt32(), args, end, result));
        }
        return calls;
    }

    private static string[] Strings(JsonElement list) => list.EnumerateArray().Select(x => x.GetString()!).ToArray();

    private static readonly string[] EndNames = ["unfinished", "return", "yield", "exception"];

    private static string Key(ExpectedCall e) => $"{e.Kind} {e.Name} @{e.Depth}";

    private static string KindName(CallRecord a) => a.Kind switch { 0 => "call", 1 => "resume", 2 => "log", 3 => "class", _ => a.Kind.ToString() };

    private static string Key(CallRecord a) => $"{KindName(a)} {a.Func} @{a.Depth}";

    // Calls are aligned by name and depth; a wrong kind (a resume recorded as a call) is then a difference of the pair.
    private static string Align(ExpectedCall e) => $"{e.Name} @{e.Depth}";

    private static string Align(CallRecord a) => $"{a.Func} @{a.Depth}";

    private static string Show(ExpectedValue v) => v.Mode == "type" ? $"<{string.Join("|", v.Types)}>" : $"{string.Join("|", v.Types)} {string.Join(" | ", v.Accept)}";

    public static string Show(ExpectedCall e) =>
        $"{Key(e)} ({string.Join(", ", e.Args.Select(a => $"{a.Name}={Show(a.Value)}"))}) -> {e.End}" +
        (e.Result is null ? "" : " " + Show(e.Result));

    public static string Show(CallRecord a) =>
        $"{Key(a)} ({string.Join(", ", a.Args.Select(x => $"{x.Name}={x.Type} {x.Value}"))}) -> {EndNames.ElementAtOrDefault(a.End) ?? a.End.ToString()}" +
        (a.End == 0 ? "" : $" {a.ResultType} {a.Result}");

    private static bool Matches(ExpectedValue e, string? type, string? value) =>
        e.Types.Contains(type) && e.Mode switch
        {
            "exact" => e.Accept.Contains(value ?? ""),
            "address" => e.Accept.Contains(Address().Replace(value ?? "", "0x")),
            _ => true,
        };

    /// <summary>What differs between one call as Python had it and as pytrace recorded it; empty when they agree.</summary>
    private static List<string> Details(ExpectedCall e, CallRecord a)
    {
        var d = new List<string>();
        if (Align(e) != Align(a)) d.Add("call");
        if (e.Kind != KindName(a)) d.Add("kind");
        for (int i = 0; i < Math.Max(e.Args.Count, a.Args.Count); i++)
        {
            var ea = e.Args.ElementAtOrDefault(i);
            var aa = a.Args.ElementAtOrDefault(i);
            if (ea is null || aa is null || ea.Name != aa.Name || !Matches(ea.Value, aa.Type, aa.Value))
                d.Add("arg " + (ea?.Name ?? aa!.Name));
        }
        string end = EndNames.ElementAtOrDefault(a.End) ?? a.End.ToString();
        if (e.End != end) d.Add("end");
        else if (e.Result is not null && !Matches(e.Result, a.ResultType, a.Result)) d.Add(e.End + " value");
        return d;
    }

    /// <summary>
    /// Aligns both call lists by (kind, name, depth) with a longest common subsequence, so one missing or extra
    /// call does not shift everything after it, and lists every difference: calls only one side has (paired up
    /// when both sides have unmatched calls at the same place) and, for aligned calls, arguments and results.
    /// </summary>
    public static List<string> Compare(IReadOnlyList<ExpectedCall> expected, IReadOnlyList<CallRecord> actual)
    {
        int n = expected.Count, m = actual.Count;
        var ek = expected.Select(Align).ToArray();
        var ak = actual.Select(Align).ToArray();
        var lcs = new int[n + 1, m + 1];
        for (int i = n - 1; i >= 0; i--)
            for (int j = m - 1; j >= 0; j--)
                lcs[i, j] = ek[i] == ak[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
        var diffs = new List<string>();
        var onlyE = new List<int>();
        var onlyA = new List<int>();
        void Flush()
        {
            int k = 0;
            for (; k < Math.Min(onlyE.Count, onlyA.Count); k++)
                diffs.Add(Pair(onlyE[k], onlyA[k], Details(expected[onlyE[k]], actual[onlyA[k]])));
            for (int x = k; x < onlyE.Count; x++) diffs.Add($"python #{onlyE[x]} {Show(expected[onlyE[x]])}\n    pytrace: (no such call)");
            for (int x = k; x < onlyA.Count; x++) diffs.Add($"pytrace #{onlyA[x]} {Show(actual[onlyA[x]])}\n    python: (no such call)");
            onlyE.Clear();
            onlyA.Clear();
        }
        string Pair(int i, int j, List<string> what) =>
            $"#{i}/{j} differs in {string.Join(", ", what)}\n    python:  {Show(expected[i])}\n    pytrace: {Show(actual[j])}";
        int p = 0, q = 0;
        while (p < n || q < m)
        {
            if (p < n && q < m && ek[p] == ak[q])
            {
                Flush();
                var what = Details(expected[p], actual[q]);
                if (what.Count > 0) diffs.Add(Pair(p, q, what));
                p++;
                q++;
            }
            else if (q >= m || (p < n && lcs[p + 1, q] >= lcs[p, q + 1])) onlyE.Add(p++);
            else onlyA.Add(q++);
        }
        Flush();
        return diffs;
    }

    /// <summary>Fails with every difference (the first 20 in full) when pytrace's record is not Python's.</summary>
    public static void AssertSame(IReadOnlyList<ExpectedCall> expected, IReadOnlyList<CallRecord> actual)
    {
        var diffs = Compare(expected, actual);
        if (diffs.Count == 0) return;
        var text = new StringBuilder();
        int show = int.TryParse(Environment.GetEnvironmentVariable("PYTRACE_FIDELITY_DIFFS"), out int wanted) ? wanted : 20;
        text.Append(CultureInfoInvariant($"{diffs.Count} difference(s) between Python ({expected.Count} calls) and pytrace ({actual.Count} calls); first {Math.Min(show, diffs.Count)} ($PYTRACE_FIDELITY_DIFFS=N shows N):\n"));
        foreach (var d in diffs.Take(show)) text.Append(d).Append('\n');
        Assert.Fail(text.ToString());
    }

    private static string CultureInfoInvariant(FormattableString s) => FormattableString.Invariant(s);

    [GeneratedRegex("0x[0-9a-fA-F]+")]
    private static partial Regex Address();
}
