using System.Text.Json;
using System.Text.RegularExpressions;
using Pytrace.Integration.Tests.Support;

namespace Pytrace.Integration.Tests;

/// <summary>
/// The native formatter against the interpreter itself: the program writes repr() of each value it passes, and
/// the recorded value must be exactly that (when it fits), or the documented cut/summary when it does not.
/// </summary>
public partial class ValueFormattingTests
{
    private const string Program = """
        import array, collections, dataclasses, datetime, decimal, enum, functools, json, re, sys, types

        Pair = collections.namedtuple("Pair", "left right")

        class NoneType:
            pass

        class MySet(set):
            pass

        class Thing:
            pass

        class Loud:
            def __repr__(self):
                raise RuntimeError("repr must not run")

        class MyList(list):
            pass

        class Point(tuple):
            def __repr__(self):
                return "Point!"

        cyclic = [1, 2]
        cyclic.append(cyclic)
        viewing = {1: "a", "k": [2]}
        viewing["self"] = viewing.values()

        # Tables emptied by deletions: a million slots behind or before the few items left.
        emptied_tail = {i: i for i in range(1000000)}
        for i in range(10, 1000000): del emptied_tail[i]
        emptied_set = set(range(1000000))
        for i in range(10, 1000000): emptied_set.discard(i)
        emptied_head = {i: i for i in range(1000000)}
        for i in range(1000000 - 3): del emptied_head[i]
        emptied_words = {"w%d" % i: i for i in range(100000)}
        for i in range(100000 - 2): del emptied_words["w%d" % i]

        # Standard-library reprs: dataclasses (inherited, repr=False fields, slots, frozen, nested, inside themselves),
        # enum members, collections' containers (an OrderedDict reordered, deques over several blocks, cycles).
        @dataclasses.dataclass
        class Spot:
            x: int
            y: str = "a"
            hidden: int = dataclasses.field(default=0, repr=False)
            tags: list = dataclasses.field(default_factory=list)

        @dataclasses.dataclass(frozen=True)
        class Frozen:
            p: Spot
            n: object = None

        class SubPoint(Spot):
            pass

        @dataclasses.dataclass
        class MorePoint(Spot):
            z: float = 1.5

        @dataclasses.dataclass(repr=False)
        class NoReprPoint(Spot):
            w: int = 3

        @dataclasses.dataclass
        class Slotted:
            __slots__ = ("a", "b")
            a: int
            b: object

        class Later:  # seen before it becomes a dataclass: its entry is made again when the class changes
            x: int = 1

        def seen(value):
            return None

        seen(Later())
        Later = dataclasses.dataclass(Later)

        class Color(enum.Enum):
            RED = 1
            GREEN = "g"
            BLUE = (1, 2)

        class Num(enum.IntEnum):
            ONE = 1

        class Text(str, enum.Enum):
            A = "a"

        inside_spot = Spot(1)
        inside_spot.tags.append(inside_spot)
        inside_deque = collections.deque([1])
        inside_deque.append(inside_deque)
        reordered = collections.OrderedDict((k, str(k)) for k in range(5))
        reordered.move_to_end(1)
        reordered.move_to_end(3, last=False)
        del reordered[2]
        inside_odict = collections.OrderedDict(a=1)
        inside_odict["self"] = inside_odict
        inside_default = collections.defaultdict(list, a=[1])
        inside_default["me"] = inside_default
        spanning = collections.deque(range(70))  # its items cross from one block to the next
        for _ in range(60): spanning.popleft()
        class Jobs:
            async def run(self):
                pass

            async def feed(self):
                yield 1

        coroutine, async_generator = Jobs().run(), Jobs().feed()
        partial = functools.partial(divmod, 7, key=[2])

        class MyCounter(collections.Counter):
            pass

        counters = [collections.Counter("abracadabra"), collections.Counter(), MyCounter("zzy"),
                    collections.Counter({(1, 2): 3, "b": 3, None: 9}), collections.Counter({i: i % 7 for i in range(3000)})]
        inside_namespace = types.SimpleNamespace(zeta=1, alpha=[2])  # 3.8 sorts its keys
        inside_namespace.me = inside_namespace
        namespaces = [inside_namespace, types.SimpleNamespace()]

        EXACT = [
            0, 1, -1, 2**40, -2**62, 2**100, True, False, None,
            0.0, -0.0, 0.1, 1.5, 1e16, 1e-5, 1e-4, 123456789012345.6, 1.7976931348623157e308, 5e-324,
            float("inf"), float("-inf"), float("nan"), 2.5e-7, 100.0, 1e22,
            "", "plain", "it's", 'say "hi"', "both ' and \"", "tab\tnew\nline\\", "\x00\x1f\x7f", "caf\u00e9 \u65e5\u672c \U0001F600",
            "\u200b\ud800", b"", b"bytes\x00\xff'", [], [1, [2, [3]]], (), (1,), (1, "a"), {}, {"k": [1, 2]},
            set(), {7}, frozenset(), frozenset({3}), MyList([1, 2]), cyclic,
            Pair(1, "a"), Pair(Pair(2, None), [3]), MySet(), MySet({4}), KeyError(3), KeyError("k"), SystemExit(0),
            ValueError(1, 2), ValueError(), datetime.date(2024, 5, 6), datetime.timedelta(seconds=90),
            datetime.datetime(2024, 5, 6, 7, 8, tzinfo=datetime.timezone.utc), decimal.Decimal("1.50"), json, sys,
            10 ** 99, -10 ** 99, "u" * 55, ["v" * 60], ..., NotImplemented, str.join, int, Pair,
            bytearray(b"ab\x00'"), bytearray(), "a" * 5000 + "'", b"b" * 5000 + b"'", "\u65e5" * 3000 + "'",
            emptied_tail, emptied_set,
            viewing.keys(), viewing.values(), viewing.items(), {}.keys(), {}.items(), emptied_tail.keys(),
            Spot(1), Spot(2, "b", 5, [Spot(3)]), Frozen(Spot(1), Frozen(Spot(2))), SubPoint(4), MorePoint(1),
            NoReprPoint(1), Slotted(1, "s"), Later(), inside_spot, Color.RED, Color.GREEN, Color.BLUE, Num.ONE, Text.A,
            [Color.RED, {"p": Spot(0)}], collections.deque(range(20)), collections.deque([1, "a"], maxlen=3),
            collections.deque(), inside_deque, spanning,
            reordered, reordered.keys(), reordered.values(), reordered.items(), collections.OrderedDict(), inside_odict,
            collections.OrderedDict(a=collections.OrderedDict(b=1)), inside_default, collections.defaultdict(None, {1: 2}),
            collections.defaultdict(int), slice(1, None, "x"), slice(Spot(1), 2), types.MappingProxyType({"a": 1}),
            staticmethod(len), classmethod(len), (i for i in []), memoryview(b"a"), coroutine, async_generator,
            Thing().__init__, Jobs().run, partial, functools.partial(partial, "x"), *counters,
            *namespaces, re.match(r"a+", "aaab"), re.search(rb"\d+", b"x12'y"), re.match("", ""),
            re.search("b+", "a" + "b" * 80 + "'"), re.match("(x)?", "y" * 9000), super(int, 1), super(Pair), super(MyList, MyList()),
            array.array("i", [1, 2, -3]), array.array("d", [1.5, 1e300]), array.array("u", "hi'"), array.array("b"), array.array("B", range(200)),
        ]

        def f(value):
            return None

        for v in EXACT:
            f(v)
        json.dump([repr(v) for v in EXACT], open(sys.argv[1], "w"))
        coroutine.close()

        f("x" * 500)
        f(list(range(100000)))
        f({i: str(i) for i in range(10000)})
        f(NoneType())
        f(Thing())
        f(Loud())
        f(Point((1, 2)))
        f(10 ** 5000)
        f([[[[[[1]]]]]])
        f(emptied_head)
        f(emptied_words)
        """;

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Values_are_repr_or_a_bounded_summary(string minor)
    {
        using var run = new TracedRun(minor);
        string expectedFile = Path.Combine(run.Folder, "expected.json");
        var script = run.Write("values.py", Program);
        var result = ProcessRun.Run(Repo.Pytrace, ["--python", run.Python, "--db", run.Db, script, expectedFile], run.Folder);
        Assert.True(result.ExitCode == 0, result.Stderr);
        var expected = JsonSerializer.Deserialize<string[]>(File.ReadAllText(expectedFile))!;
        var values = run.Calls().Where(c => c.Func == "f").Select(c => c.Args[0].Value).ToList();

        for (int i = 0; i < expected.Length; i++)
        {
            string want = expected[i].Length <= 100 ? expected[i] : expected[i][..97] + "...";
            Assert.True(want == values[i], $"value #{i}: expected {want} got {values[i]}");
        }
        var rest = values.Skip(expected.Length).ToList();
        Assert.Equal("'" + new string('x', 96) + "...", rest[0]);
        Assert.Equal(100, rest[1].Length);
        Assert.StartsWith("[0, 1, 2, 3", rest[1]);
        Assert.EndsWith("...", rest[1]);
        Assert.StartsWith("{0: '0', 1: '1'", rest[2]);
        Assert.Matches(OwnNoneTypeAt(), rest[3]); // the program's class of that name is not None's type
        Assert.Matches(ObjectAt(), rest[4]);
        Assert.Matches(LoudAt(), rest[5]);
        Assert.Matches(PointAt(), rest[6]); // its own __repr__ is user code: not run under --repr safe
        Assert.Equal("<int of ~5001 digits>", rest[7]);
        Assert.Equal("[[[[...", rest[8]); // deeper than 4 levels: cut, visibly
        // Items behind more empty slots than the formatter looks at: the text says it is cut, and the call was quick.
        Assert.Equal("{...", rest[9]);
        Assert.Equal("{...", rest[10]);
        // (Walking a million empty slots took a millisecond and more each time; the bounded walk takes microseconds.
        // The quickest of the four is asked: on a loaded machine any one call may be descheduled for longer.)
        var calls = run.Calls().Where(c => c.Func == "f").ToList();
        var emptied = calls.Skip(expected.Length - 2).Take(2).Concat(calls.Skip(expected.Length + 9).Take(2)).ToList();
        long quickest = emptied.Min(c => c.EndNs!.Value - c.StartNs);
        Assert.True(quickest < 500_000, $"the quickest call on an emptied table took {quickest} ns: " +
            string.Join(", ", emptied.Select(c => $"f({c.Args[0].Value}) {c.EndNs - c.StartNs} ns")));
    }

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Repr_full_calls_the_object_repr_under_guards(string minor)
    {
        using var run = new TracedRun(minor);
        var script = run.Write("full.py", """
            class Nice:
                def __repr__(self):
                    return "Nice(%s)" % helper()

            class Broken:
                def __repr__(self):
                    raise ValueError("no")

            def helper():
                return 42

            def f(value):
                return value

            f(Nice())
            f(Broken())
            """);
        var result = run.Trace(script, "--repr", "full", "--max-value-length", "40");
        Assert.True(result.ExitCode == 0, result.Stderr);
        var calls = run.Calls();
        var values = calls.Where(c => c.Func == "f").Select(c => c.Args[0].Value).ToList();
        Assert.Equal(["Nice(42)", "<repr failed: ValueError>"], values);
        Assert.DoesNotContain(calls, c => c.Func is "helper" or "Nice.__repr__" or "__repr__");
    }

    [GeneratedRegex(@"^<__main__\.Thing object at 0x[0-9a-f]+>$")]
    private static partial Regex ObjectAt();

    [GeneratedRegex(@"^<__main__\.Loud object at 0x[0-9a-f]+>$")]
    private static partial Regex LoudAt();

    [GeneratedRegex(@"^<__main__\.NoneType object at 0x[0-9a-f]+>$")]
    private static partial Regex OwnNoneTypeAt();

    [GeneratedRegex(@"^<__main__\.Point object at 0x[0-9a-f]+>$")]
    private static partial Regex PointAt();
}
