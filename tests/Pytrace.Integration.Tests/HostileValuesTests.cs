using System.Globalization;
using System.Text.RegularExpressions;
using Pytrace.Integration.Tests.Support;

namespace Pytrace.Integration.Tests;

/// <summary>
/// Values built to make a formatter run user code, crash or leak. Under `--repr safe` no code of the program may run
/// while pytrace formats: every hostile method counts its calls, and the traced run must count exactly what the
/// untraced run counts (what the program itself calls). Under `--repr full` user __repr__ runs, but a __repr__ that
/// mutates or frees what is being formatted must not crash or change the program. Formatting must not keep types
/// alive.
/// </summary>
public partial class HostileValuesTests
{
    /// <summary>Hostile __repr__/__str__/__format__, metaclass __getattribute__ and name properties, user classes named
    /// like built-ins (NoneType, ellipsis, datetime, int, str, bool), tzinfo methods through datetime values,
    /// subclasses of built-ins overriding __repr__/__len__/__iter__, __hash__/__eq__, exception subclasses with __str__,
    /// exception args whose __str__/__repr__ are user code; as arguments, keyword arguments, *args/**kwargs,
    /// return values, yielded values and exceptions.</summary>
    private const string Safe = """
        import collections, collections.abc, dataclasses, datetime, enum, functools, json, re, sys, types

        FX = collections.Counter()

        def fx(tag):
            FX[tag] += 1

        def take(*args, **kwargs):
            return None

        def ret(x):
            return x

        def gen(items):
            for item in items:
                yield item

        def raiser(e):
            raise e

        class ReprRaises:
            def __repr__(self):
                fx("repr_raises")
                raise RuntimeError("repr exploded")

        class ReprSide:
            def __repr__(self):
                fx("repr")
                return "ReprSide()"

            def __str__(self):
                fx("str")
                return "s"

            def __format__(self, spec):
                fx("format")
                return "f"

        class ReprNonStr:
            def __repr__(self):
                fx("repr_nonstr")
                return 42

        class ReprExit:
            def __repr__(self):
                fx("repr_exit")
                raise SystemExit(9)

        class GetattrTrap:
            def __getattr__(self, name):
                fx("getattr:" + name)
                raise AttributeError(name)

            def __getattribute__(self, name):
                fx("getattribute:" + name)
                return object.__getattribute__(self, name)

        class ClassProp:
            @property
            def __class__(self):
                fx("class_property")
                return int

        class Meta(type):
            def __getattribute__(cls, name):
                fx("meta_getattribute:" + name)
                return type.__getattribute__(cls, name)

            def __repr__(cls):
                fx("meta_repr")
                return "Meta!"

        class WeirdMeta(metaclass=Meta):
            pass

        class NamesMeta(type):
            @property
            def __module__(cls):
                fx("meta_module_property")
                return "M"

            @property
            def __name__(cls):
                fx("meta_name_property")
                return "N"

        class Weird2(metaclass=NamesMeta):
            pass

        def fake_repr(tag):
            def __repr__(self):
                fx(tag)
                return "fake"
            return __repr__

        NoneTypeLike = type("NoneType", (), {"__repr__": fake_repr("fake_NoneType"), "__module__": "builtins"})
        EllipsisLike = type("ellipsis", (), {"__repr__": fake_repr("fake_ellipsis"), "__module__": "builtins"})
        DatetimeLike = type("datetime", (), {"__repr__": fake_repr("fake_datetime"), "__module__": "datetime"})
        DottedLike = type("datetime.datetime", (), {"__repr__": fake_repr("fake_dotted_datetime")})
        IntLike = type("int", (), {"__repr__": fake_repr("fake_int"), "__module__": "builtins"})
        StrLike = type("str", (), {"__repr__": fake_repr("fake_str"), "__module__": "builtins"})
        BoolLike = type("bool", (), {"__repr__": fake_repr("fake_bool"), "__module__": "builtins"})

        class EvilTZ(datetime.tzinfo):
            def utcoffset(self, dt):
                fx("tz_utcoffset")
                return datetime.timedelta(hours=1)

            def tzname(self, dt):
                fx("tz_tzname")
                return "EVL"

            def dst(self, dt):
                fx("tz_dst")
                return datetime.timedelta(0)

            def __repr__(self):
                fx("tz_repr")
                return "EvilTZ()"

        class LenRaises(list):
            def __len__(self):
                fx("list_len")
                raise ValueError("len")

        class DictEvil(dict):
            def __iter__(self):
                fx("dict_iter")
                raise RuntimeError("iter")

            def __repr__(self):
                fx("dict_repr")
                raise RuntimeError("repr")

            def keys(self):
                fx("dict_keys")
                return []

            def items(self):
                fx("dict_items")
                return []

            def __len__(self):
                fx("dict_len")
                return 0

        class ListEvil(list):
            def __iter__(self):
                fx("list_iter")
                raise RuntimeError

            def __getitem__(self, i):
                fx("list_getitem")
                raise RuntimeError

            def __repr__(self):
                fx("list_repr")
                return "L"

        class StrSub(str):
            def __repr__(self):
                fx("strsub_repr")
                return "S"

            def __str__(self):
                fx("strsub_str")
                return "S"

        class IntSub(int):
            def __repr__(self):
                fx("intsub_repr")
                return "I"

            def __index__(self):
                fx("intsub_index")
                return 1

        class FloatSub(float):
            def __repr__(self):
                fx("floatsub_repr")
                return "F"

        class TupleSub(tuple):
            def __repr__(self):
                fx("tuplesub_repr")
                return "T"

        class BytesSub(bytes):
            def __repr__(self):
                fx("bytessub_repr")
                return "B"

        class HashEq:
            def __hash__(self):
                fx("hash")
                return 1

            def __eq__(self, other):
                fx("eq")
                return False

        class ArgEvil:
            def __str__(self):
                fx("exc_arg_str")
                return "evil str"

            def __repr__(self):
                fx("exc_arg_repr")
                return "evil repr"

        class MyExc(Exception):
            def __str__(self):
                fx("myexc_str")
                return "myexc"

            def __repr__(self):
                fx("myexc_repr")
                return "MyExc()"

        class StrRaises(Exception):
            def __str__(self):
                fx("exc_str_raises")
                raise RuntimeError("no str")

        class ReprOnlyExc(KeyError):
            def __repr__(self):
                fx("keyerror_sub_repr")
                return "R"

        class ExcGetattr(Exception):
            def __getattribute__(self, name):
                fx("exc_getattribute:" + name)
                return Exception.__getattribute__(self, name)

        class ModSub(types.ModuleType):
            def __getattribute__(self, name):
                fx("module_getattribute:" + name)
                return types.ModuleType.__getattribute__(self, name)

            def __repr__(self):
                fx("module_repr")
                return "m"

        class Desc:
            def __get__(self, obj, owner):
                fx("descriptor_get")
                return "x"

        class WithDesc:
            __module__ = Desc()

        class Target:
            pass

        class BufferEvil:  # 3.12+: a buffer written in Python, which re.Match's repr asks again for the match's text
            def __buffer__(self, flags):
                fx("buffer")
                return memoryview(b"ab")

        # Standard-library reprs written natively: their items are the program's, and their fields or members must be
        # read without running a property, a descriptor, a __getattribute__, an __iter__ or a _value_repr_.
        @dataclasses.dataclass
        class DataBase:
            a: int = 1
            b: int = 0

        class DataWithProperty(DataBase):
            @property
            def b(self):
                fx("dataclass_property")
                return 2

            @b.setter
            def b(self, value):
                pass

        @dataclasses.dataclass
        class DataGetattribute:
            a: object = None

            def __getattribute__(self, name):
                fx("dataclass_getattribute:" + name)
                return object.__getattribute__(self, name)

        @dataclasses.dataclass
        class DataDescriptor:
            a: object = Desc()

        @dataclasses.dataclass
        class DataOfHostile:
            a: object = None
            b: object = None

        class HostileEnum(enum.Enum):
            A = 1

            def __getattribute__(self, name):
                fx("enum_getattribute:" + name)
                return object.__getattribute__(self, name)

        class PlainEnum(enum.Enum):
            A = 1

        class ValueReprEnum(enum.Enum):
            A = 1

        def value_repr(value):
            fx("enum_value_repr")
            return "v"

        ValueReprEnum._value_repr_ = value_repr

        class DequeIter(collections.deque):
            def __iter__(self):
                fx("deque_iter")
                return iter([])

        class OrderedEvil(collections.OrderedDict):
            def keys(self):
                fx("odict_keys")
                return []

            def items(self):
                fx("odict_items")
                return []

        class Ordered:
            def __lt__(self, other):
                fx("counter_value_lt")
                return False

            def __gt__(self, other):
                fx("counter_value_gt")
                return False

        class CounterEvil(collections.Counter):
            def most_common(self, n=None):
                fx("counter_most_common")
                return []

        class CallableSide(ReprSide):
            def __call__(self):
                return 0

        class HostileMapping(collections.abc.Mapping):
            def __getitem__(self, key):
                fx("mapping_getitem")
                raise KeyError(key)

            def __iter__(self):
                fx("mapping_iter")
                return iter([])

            def __len__(self):
                fx("mapping_len")
                return 0

            def __repr__(self):
                fx("mapping_repr")
                return "M"

        def values():
            selfref = []
            selfref.append(selfref)
            return [
                ReprRaises(), ReprSide(), ReprNonStr(), ReprExit(), GetattrTrap(), ClassProp(), WeirdMeta(), WeirdMeta,
                Weird2(), Weird2, NoneTypeLike(), EllipsisLike(), DatetimeLike(), DottedLike(), IntLike(), StrLike(), BoolLike(),
                NoneTypeLike, datetime.datetime(2020, 1, 1, tzinfo=EvilTZ()), datetime.time(1, 2, tzinfo=EvilTZ()), EvilTZ(),
                datetime.date(2020, 1, 2), datetime.timedelta(1), LenRaises([1, 2]), DictEvil(a=1), ListEvil([1, 2]),
                StrSub("x"), IntSub(5), FloatSub(1.5), TupleSub((1,)), BytesSub(b"b"), {HashEq(): 1}, {HashEq()}, [HashEq()],
                ModSub("mm"), WithDesc(), WithDesc, selfref, [ReprSide()], (ReprSide(),), {ReprSide(): ReprSide()},
                {"k": [ReprSide(), (ReprSide(), {ReprSide()})]}, collections.OrderedDict(a=ReprSide()),
                collections.defaultdict(list, a=[ReprSide()]), collections.deque([ReprSide()]), types.SimpleNamespace(a=ReprSide()),
                MyExc(), StrRaises(), ValueError(ArgEvil()), KeyError(ArgEvil()), ExcGetattr(ArgEvil()), ReprOnlyExc(3),
                Target, Target(), int, type, ReprSide,
                DataWithProperty(), DataGetattribute(ReprSide()), DataDescriptor(), DataOfHostile(ReprSide(), [ReprSide()]),
                HostileEnum.A, PlainEnum.A, ValueReprEnum.A, DequeIter([ReprSide()]), OrderedEvil(a=ReprSide()),
                collections.defaultdict(CallableSide(), a=1), slice(ReprSide(), ReprSide()), types.MappingProxyType(HostileMapping()),
                types.MappingProxyType({ReprSide(): ReprSide()}), staticmethod(ReprSide()), classmethod(ReprSide()),
                collections.OrderedDict(a=ReprSide()).items(), collections.deque([ReprSide()], maxlen=2),
                types.MethodType(CallableSide(), ReprSide()), Target().__init__, ReprSide().__repr__,
                functools.partial(CallableSide(), ReprSide(), k=ReprSide()),
                collections.Counter({ReprSide(): 2, "b": 1}), collections.Counter(a=Ordered(), b=Ordered()), CounterEvil("ab"),
                *([re.match(b"a", BufferEvil())] if sys.version_info >= (3, 12) else []), super(ReprSide, ReprSide()),
            ]

        def run():
            objs = values()
            for o in objs:
                take(o)
                ret(o)
                take(o, key=o)
            take(*objs, **{"k%d" % i: o for i, o in enumerate(objs)})
            list(gen(objs))
            for e in [ValueError(ArgEvil()), KeyError(ArgEvil()), MyExc(), StrRaises(), OSError(2, ArgEvil()),
                      OSError(2, "x", ArgEvil()), ValueError(ArgEvil(), 2), ReprOnlyExc(ArgEvil()), ExcGetattr(ArgEvil()),
                      SystemExit(ArgEvil()), KeyError(HashEq()), UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad"),
                      LookupError(StrSub("sub")), ValueError(IntSub(3)), ValueError(datetime.datetime(2020, 1, 1, tzinfo=EvilTZ()))]:
                try:
                    raiser(e)
                except BaseException:
                    pass

        run()
        print("FX", json.dumps(dict(sorted(FX.items()))))
        """;

    /// <summary>__repr__ that clears, refills or frees (gc.collect()) the container being formatted, raises
    /// SystemExit/KeyboardInterrupt, recurses forever or returns a non-str.</summary>
    private const string Full = """
        import gc

        L = []

        class Clearer:
            def __repr__(self):
                L.clear()
                return "clearer"

        class CollectingClearer:
            def __repr__(self):
                L.clear()
                gc.collect()
                return "collecting clearer"

        class Victim:
            def __init__(self, i):
                self.payload = [i] * 10

            def __repr__(self):
                return "V%d" % self.payload[0]

        D = {}

        class DictClearer:
            def __repr__(self):
                D.clear()
                gc.collect()
                return "dict clearer"

        class Appender:
            def __repr__(self):
                L.extend(object() for _ in range(1000))
                return "appender"

        class ReprExit:
            def __repr__(self):
                raise SystemExit(9)

        class ReprKbd:
            def __repr__(self):
                raise KeyboardInterrupt

        class ReprRecursive:
            def __repr__(self):
                return repr(self)

        class ReprNonStr:
            def __repr__(self):
                return 42

        def take(x):
            return None

        def give(x):
            return x

        for round_ in range(100):
            L[:] = [Clearer()] + [object() for _ in range(100)]
            take(L)
        print("clear ok")
        for round_ in range(100):
            L[:] = [CollectingClearer()] + [Victim(i) for i in range(50)]
            take(L)
            L[:] = [CollectingClearer()] + [Victim(i) for i in range(50)]
            give(L)
        print("collect ok")
        for round_ in range(100):
            D.clear()
            D.update({i: Victim(i) for i in range(50)})
            D[-1] = DictClearer()
            take(D)
        print("dict ok")
        for round_ in range(50):
            L[:] = [Appender(), Victim(1)]
            take(L)
        print("append ok")
        for o in (ReprExit(), ReprKbd(), ReprRecursive(), ReprNonStr()):
            try:
                take(o)
                give(o)
            except BaseException as e:
                print("raised", type(e).__name__)
        print("survived")
        """;

    /// <summary>50,000 classes made, formatted (an instance and the class) and dropped.</summary>
    private const string Classes = """
        import gc, os, sys, weakref

        def rss_mb():
            # private resident memory: pytrace's shared-memory ring (file-backed, shared) is not counted
            with open("/proc/self/status") as f:
                for line in f:
                    if line.startswith("RssAnon:"):
                        return int(line.split()[1]) / 1024

        def take(o):
            return None

        def make(i, refs):
            C = type("C%d" % i, (), {"payload": bytes(2000)})
            take(C())
            take(C)
            refs.append(weakref.ref(C))

        def run(n):
            refs = []
            for i in range(n):
                make(i, refs)
            return refs

        run(1000)
        gc.collect()
        before = rss_mb()
        refs = run(int(sys.argv[1]))
        gc.collect()
        growth = rss_mb() - before
        alive = sum(r() is not None for r in refs)
        print("alive", alive)
        print("growth_mb %.1f" % growth)
        """;

    /// <summary>MagicMock makes a new class per instance.</summary>
    private const string Mocks = """
        import gc, sys, weakref
        from unittest import mock

        def take(o):
            return None

        refs = []
        for i in range(int(sys.argv[1])):
            m = mock.MagicMock()
            take(m)
            refs.append(weakref.ref(type(m)))
            del m
        gc.collect()
        print("alive", sum(r() is not None for r in refs))
        """;

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Safe_repr_runs_no_user_code(string minor)
    {
        using var run = new TracedRun(minor);
        var script = run.Write("safe.py", Safe);
        var untraced = run.Untraced(script);
        Assert.True(untraced.ExitCode == 0, untraced.Stderr);
        Assert.StartsWith("FX {", untraced.Stdout);
        var traced = run.Trace(script, "--repr", "safe");
        Assert.True(traced.ExitCode == 0, $"exit {traced.ExitCode}: {traced.Stderr}");
        // the counts of hostile methods run: the untraced run's are the program's own calls
        Assert.True(untraced.Stdout == traced.Stdout,
            $"user code ran while pytrace formatted values:\n  untraced {untraced.Stdout.Trim()}\n  traced   {traced.Stdout.Trim()}");
        Assert.True(run.Scalar<long>("SELECT count(*) FROM calls") > 100, "too few calls recorded");
    }

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Full_repr_that_mutates_or_frees_what_is_formatted_does_not_crash(string minor)
    {
        using var run = new TracedRun(minor);
        var script = run.Write("full.py", Full);
        var untraced = run.Untraced(script);
        Assert.True(untraced.ExitCode == 0, untraced.Stderr);
        Assert.EndsWith("survived\n", untraced.Stdout);
        var traced = run.Trace(script, "--repr", "full");
        Assert.True(traced.ExitCode == untraced.ExitCode, $"exit {traced.ExitCode}: {traced.Stderr}");
        Assert.Equal(untraced.Stdout, traced.Stdout);
        Assert.DoesNotContain("Exception", traced.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Formatted_classes_stay_collectable(string minor)
    {
        using var run = new TracedRun(minor);
        var script = run.Write("classes.py", Classes);
        var untraced = run.Untraced(script, "50000");
        Assert.True(untraced.ExitCode == 0, untraced.Stderr);
        Assert.StartsWith("alive 0\n", untraced.Stdout);
        var traced = ProcessRun.Run(Repo.Pytrace, ["--python", run.Python, "--db", run.Db, "--modules", run.Folder, script, "50000"],
            run.Folder, timeout: TimeSpan.FromSeconds(300));
        Assert.True(traced.ExitCode == 0, $"exit {traced.ExitCode}: {traced.Stderr}");
        double growth = double.Parse(Growth().Match(traced.Stdout).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(traced.Stdout.StartsWith("alive 0\n", StringComparison.Ordinal) && growth < 60,
            $"classes kept alive / private memory growth after 50,000 classes (untraced: {untraced.Stdout.Trim()}): {traced.Stdout.Trim()}");
        Assert.True(run.Scalar<long>("SELECT count(*) FROM calls") > 100_000, "the calls were not recorded");
    }

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Formatted_mock_classes_stay_collectable(string minor)
    {
        using var run = new TracedRun(minor);
        var script = run.Write("mocks.py", Mocks);
        var untraced = run.Untraced(script, "2000");
        Assert.True(untraced.ExitCode == 0, untraced.Stderr);
        Assert.Equal("alive 0\n", untraced.Stdout);
        var traced = ProcessRun.Run(Repo.Pytrace, ["--python", run.Python, "--db", run.Db, "--modules", run.Folder, script, "2000"],
            run.Folder, timeout: TimeSpan.FromSeconds(300));
        Assert.True(traced.ExitCode == 0, $"exit {traced.ExitCode}: {traced.Stderr}");
        Assert.Equal("alive 0\n", traced.Stdout);
    }

    [GeneratedRegex(@"growth_mb (-?[0-9.]+)")]
    private static partial Regex Growth();
}
