using Pytrace.Integration.Tests.Support;

namespace Pytrace.Integration.Tests;

/// <summary>
/// Fidelity: pytrace's record of a program against what Python itself reports. Each program is run twice, under a
/// pure-Python sys.settrace reference tracer (<see cref="ReferenceTrace"/>, which writes JSON) and under pytrace
/// with `--modules` its own folder (SQLite); the call trees must match call for call — kind (call/resume), qualified
/// name, depth, every built-in argument and return/yield value (exact, or cut to 100 characters ending in "..."),
/// exception type and message (str(exc), repr(exc) or `Type: str(exc)`). The failure lists every difference.
/// </summary>
public class FidelityTests
{
    /// <summary>str and bytes of each length 40-110, plain, quoted, non-ASCII, escaped, as argument and return value; short strs of every length to 20.</summary>
    private const string Strings = """
        ALPHA = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_/?=&.:" * 2
        STARTS = ["", "it's ", 'say "hi" ', "both ' and \" ", "caf\u00e9 \u65e5\u672c \U0001F600 ", "tab\tnew\nline\\ ",
                  "nul\x00 ctl\x1f del\x7f ", "\u00a0nbsp \u200b zwsp \u2028 ls "]

        def ident(x):
            return x

        def strings():
            for n in range(40, 111):
                for start in STARTS:
                    ident((start + ALPHA)[:n])
                ident(ALPHA[:n].encode())
                ident((b"\xff\x00'\"\\ " + ALPHA.encode())[:n])
            ident("https://example.com/api/v1/users/12345/orders?page=2")
            # short ones, read as one 16-byte vector with the bytes past their end masked off
            for n in range(0, 21):
                ident(ALPHA[:n])
                ident(ALPHA[n:n + n])
            # one character to escape or to quote at every place a 16-byte scan could miss it
            for n in (1, 2, 3, 7, 8, 13, 14, 15, 16, 17, 31, 32, 33, 47, 64, 99, 100):
                for at in sorted({0, 1, 14, 15, 16, 17, n // 2, n - 17, n - 16, n - 15, n - 2, n - 1}):
                    if 0 <= at < n:
                        for c in "'\\\x1f\x7f\x80\u00e9\" ~":
                            ident(ALPHA[:at] + c + ALPHA[at + 1:n])
            return n

        print(strings())
        """;

    /// <summary>
    /// The same list, tuple and dict passed again and again while they change in every way a kept text could miss:
    /// items appended, replaced, removed and put back, values replaced in place, a dict resized, containers freed and
    /// others made at their address, items that stop being plain, changes past the cut and at its very edge, and
    /// items replaced by new objects made where the old ones were freed, empty containers as items filled in place.
    /// </summary>
    private const string ChangingContainers = """
        def ident(x):
            return x

        def pair(a, b):
            return len(a)

        def changing():
            items = [1, 2, 3]
            index = {"a": 1, "b": 2}
            for step in range(3):
                ident(items); ident(index); pair(items, index)
            items.append(4); ident(items)
            items[0] = 10; ident(items)
            items[0] = 1; ident(items)
            items.pop(); ident(items)
            items.append("x"); ident(items)
            items[-1] = [5]; ident(items)
            items[-1].append(6); ident(items)
            items[-1] = 2.5; ident(items); ident(items)
            index["a"] = 100; ident(index)
            index["a"] = 1; ident(index)
            del index["a"]; ident(index)
            index["a"] = 1; ident(index); ident(index)
            for i in range(20):
                index["k%d" % i] = i
                ident(index)
            index["k0"] = None; ident(index)
            index["k19"] = "changed past the cut"; ident(index)
            index["b"] = [1]; ident(index)
            index["b"].append(2); ident(index)
            index.clear(); ident(index)
            long = list(range(40))
            ident(long)
            long[39] = "past the cut"; ident(long)
            long[30] = -1; ident(long)
            long[20] = 7; ident(long)
            long.append(1); ident(long)
            del long[:]; ident(long)
            edge = [10**9 + i for i in range(9)]
            ident(edge)
            edge.append(7); ident(edge)
            edge.pop(); edge.pop(); ident(edge)
            for n in range(6):
                ident(tuple(range(n)))
                ident(list(range(n, 0, -1)))
                ident({str(n): n})
                ident([n, "n" * n])
            flags = [True, None, 1.5]
            ident(flags)
            flags[0] = False; ident(flags)
            # an item replaced by a new object that the allocator puts where the one before it was freed
            counts = [int("1000000")]
            ident(counts)
            counts[0] = None
            made = int("1000007")
            counts[0] = made
            del made
            ident(counts)
            scores = {"a": float("1.5")}
            ident(scores)
            scores["a"] = None
            made = float("2.5")
            scores["a"] = made
            del made
            ident(scores)
            names = ["n" + str(1000)]
            ident(names)
            names[0] = None
            made = "n" + str(1007)
            names[0] = made
            del made
            ident(names)
            # items at the edge of the text: the first that cannot show, the last that can, an escape that moves it
            names = ["name%03d" % i for i in range(40)]
            ident(names)
            names[9] = "x"; ident(names)
            names[8] = "y"; ident(names)
            names[7] = "it's"; ident(names)
            names[0] = "a\tb"; ident(names)
            # every way to change a dict, each seen between two sightings of it
            config = {"host": "a", "port": 1}
            ident(config)
            config.setdefault("user", "ann"); ident(config)
            config.update(port=2); ident(config)
            config.pop("user"); ident(config)
            if hasattr(config, "__ior__"): config |= {"tls": True}
            else: config.update(tls=True)
            ident(config)
            config.popitem(); ident(config)
            dict.__setitem__(config, "port", 3); ident(config)
            config.__init__(host="b"); ident(config)
            config["host"] = config["host"]; ident(config)
            config.clear(); ident(config); ident(config)
            # dicts made where the one before them was freed, with the same keys and other values
            for n in range(4):
                ident({"host": "h", "port": n})
            made = {"host": "h", "port": 0}
            ident(made)
            made = dict(made, port=1); ident(made)
            made = made.copy(); made["port"] = 2; ident(made)
            made = dict.fromkeys(["host", "port"], 3); ident(made)
            # empty containers as items (a graph's adjacency): filled, emptied and replaced, their holder unchanged
            adjacency = {1: {}, 2: {}, 3: []}
            ident(adjacency); ident(adjacency)
            adjacency[1]["w"] = 1; ident(adjacency)
            adjacency[1].clear(); ident(adjacency)
            adjacency[3].append(0); ident(adjacency)
            adjacency[3].pop(); ident(adjacency)
            adjacency[2] = (); ident(adjacency)
            adjacency[2] = (1,); ident(adjacency)
            rows = [[], {}, ()]
            ident(rows); ident(rows)
            rows[0].append(1); ident(rows)
            rows[1]["k"] = 2; ident(rows)
            rows[1].clear(); rows[0].clear(); ident(rows)
            # hundreds of containers in turn, as a search through a graph, two to a call, some changed between turns
            graph = [{j: {} for j in range(i % 7)} for i in range(300)]
            for turn in range(3):
                for i, node in enumerate(graph):
                    ident(node)
                    pair(node, graph[(i * 37) % 300])
                graph[5 + 7 * turn][1]["w"] = turn
                graph[100 + turn][0] = []
                graph[200 + turn].clear()
            return len(long)

        print(changing())
        """;

    /// <summary>int (negative, 64-bit edges, 97-150 digits), float, bool, None, bytes, complex; *args and **kwargs.</summary>
    private const string Scalars = """
        VALUES = [
            0, 1, -1, 7, -7, 255, 2**30 - 1, 2**30, -2**30, 2**31, -2**31, 2**60, 2**62, 2**63 - 1, 2**63, -2**63, -2**63 - 1,
            2**64, 10**20, -10**30, int("9" * 97), int("9" * 98), int("9" * 99), 10**99, -10**99, 10**100, -10**100,
            int("1234567890" * 10) + 1, int("9" * 150), -int("8" * 150),
            0.0, -0.0, 0.1, -2.5, 1.5, 100.0, 1e16, 1e-7, 1e22, 2.5e-7, 3.141592653589793, 1e300, -1.7976931348623157e308,
            5e-324, 123456789012345.6, float("inf"), float("-inf"), float("nan"),
            True, False, None,
            b"", b"abc", b"\x00\xff'\"", bytes(range(256))[:40], b"'", b'"', b"'\"",
            0j, 1j, -1j, 2.5 + 3j, -1.5 - 2j, complex(1e300, -1e-300), complex(float("nan"), float("inf")), complex(0.0, -0.0),
            complex(-0.0, 0.0), 1e16j,
        ]

        def ident(x):
            return x

        def many(a, b, c, d, e, f, g, *rest, key=None, **more):
            return (a, b, c, d, e, f, g)

        def scalars():
            for v in VALUES:
                ident(v)
            many(1, 2.5, True, None, b"x", 3j, -7, 8, 9.5, key="v", other=False)
            return len(VALUES)

        print(scalars())
        """;

    /// <summary>
    /// Every int of the interpreter's small-int cache and a few past each end, alone and in lists and tuples: pytrace
    /// knows a cached one by its address (3.9 keeps them in three runs of memory), and must never take another for it.
    /// </summary>
    private const string SmallInts = """
        def ident(x):
            return x

        def small_ints():
            for v in range(-9, 262):
                ident(v)
                ident(int(str(v)))
            for v in range(-9, 262, 5):
                ident([v, v + 1, v + 2, -v])
                ident((v, None, True, v * 2))
            return 0

        print(small_ints())
        """;

    /// <summary>list, tuple, dict, set, frozenset, nested to 4 levels, cycles, and a few past the length limit.</summary>
    private const string Containers = """
        def ident(x):
            return x

        def build():
            cyclic = [1, 2]
            cyclic.append(cyclic)
            selfdict = {"a": 1}
            selfdict["me"] = selfdict
            values = [
                [], [1, 2, 3], (), (1,), (1, "a", None), ("x", (2,)), {}, {"a": 1, 2: [3, 4]}, {1.5: b"z", None: True},
                set(), {1, 2, 3}, {"only"}, frozenset(), frozenset({"x"}), frozenset({1, 2}), {(1, 2): frozenset({3})},
                [1, [2, (3, {4: 5})]], {"k": {"n": {"m": [1]}}}, [[], [[]], [[[]]]], ((), ((),)),
                [0] * 33, [0] * 34, list(range(40)), tuple("abc" * 10), dict(zip("abcdefghijklmnopqrst", range(20))),
                set(range(30)), frozenset(range(5)), ["x" * 90], ("y" * 95, 1), {"key": "v" * 120},
                [1.5, -0.0, b"z", 2j, True, None, 10**20], cyclic, selfdict, [cyclic], {"l": cyclic},
                [set(), frozenset(), {}, (), []], {1: {2: {3: {}}}},
                {"it's": 1, 'q"': -2, "tab\t": 3, "caf\u00e9": 4}, [2**62, -2**62, 2**63, 5], (10**18, 10**19, -1),
                (1.5, float("inf"), "it's\n", False, None, -7, 2**61, "caf\u00e9"), tuple(range(9)), ("z" * 60, "w" * 60),
                (float("nan"), -0.0, 1e16, 5e-324), (True,), ("",),
            ]
            # runs of ints and of name: int items that end at, just before and just after the 100-character cut
            for k in (-5, 7, 95, 10**6, -10**9):
                for n in (20, 30, 45):
                    values.append(list(range(k, k + n)))
            for k in (-50, 0, 10**12):
                values.append(tuple(range(k, k + 40, 3)))
            for j in (1, 5, 33, 40):
                for n in (3, 9, 14):
                    d = {}
                    for i in range(n):
                        d["k" * j + str(i)] = i * 37 - 50
                    values.append(d)
            return values

        def containers():
            values = build()
            for v in values:
                ident(v)
            return len(values)

        print(containers())
        """;

    /// <summary>exceptions with non-str args (KeyError(3), SystemExit(0), ValueError(1, 2)...), raised by the interpreter, through frames, converted, swallowed by C code.</summary>
    private const string Exceptions = """
        class AppError(Exception):
            pass

        class Wrapped(LookupError):
            pass

        def raise_it(kind, *args):
            raise kind(*args)

        def catch(kind, *args):
            try:
                raise_it(kind, *args)
            except BaseException as caught:
                return type(caught).__name__

        def through(levels, kind, *args):
            if levels == 0:
                raise_it(kind, *args)
            return through(levels - 1, kind, *args)

        def divide(a, b):
            return a / b

        def index(seq, i):
            return seq[i]

        def attribute(obj):
            return obj.missing

        def decode(data):
            return data.decode("utf-8")

        def convert(key):
            try:
                return {}[key]
            except KeyError:
                raise ValueError("converted %r" % (key,))

        def caught_inside(key):
            try:
                return {}[key]
            except KeyError:
                pass
            return "fallback"

        class Lookup:
            def __getattr__(self, name):
                raise AttributeError("no " + name)

            @property
            def broken(self):
                raise AttributeError("broken")

        class Countdown:
            def __init__(self, n):
                self.n = n

            def __iter__(self):
                return self

            def __next__(self):
                self.n -= 1
                if self.n < 0:
                    raise StopIteration(self.n)
                return self.n

        def refuse(v):
            raise TypeError(v)

        def swallowed_by_c():
            # C code catches these: the frame's own exception is all there is to see
            found = (hasattr(Lookup(), "zz"), getattr(Lookup(), "q", 5), hasattr(Lookup(), "broken"), list(Countdown(2)))
            try:
                sorted([2, 1], key=refuse)
            except TypeError:
                pass
            return found

        def exceptions():
            swallowed_by_c()
            cases = [
                (KeyError, 3), (KeyError, "k"), (KeyError,), (KeyError, (1, 2)), (KeyError, None), (KeyError, 1, 2),
                (SystemExit, 0), (SystemExit, 2), (SystemExit, "bye"), (SystemExit,),
                (ValueError, 1, 2), (ValueError, "plain message"), (ValueError,), (ValueError, ""), (ValueError, 1.5),
                (ValueError, b"bytes"), (ValueError, [1, 2]), (ValueError, "x" * 150),
                (RuntimeError, "it's \"quoted\""), (OSError, 2, "No such file"), (OSError, 2, "No such file", "/tmp/x"),
                (StopIteration, 5), (KeyboardInterrupt,), (GeneratorExit,), (AppError, "boom", 7), (AppError, "one"),
                (Wrapped, 3), (Wrapped, "k"), (UnicodeError, "u"), (IndexError, 0), (ZeroDivisionError, "by zero"),
            ]
            for case in cases:
                catch(*case)
            for trial in (lambda: divide(1, 0), lambda: index([], 3), lambda: index({}, "k"), lambda: attribute(None),
                          lambda: decode(b"\xff"), lambda: convert(3), lambda: through(3, KeyError, 7),
                          lambda: divide(1.5, 0), lambda: index("ab", 5)):
                try:
                    trial()
                except Exception as e:
                    print(type(e).__name__, e)
            caught_inside(4)
            return len(cases)

        print(exceptions())
        """;

    /// <summary>inheritance (Base.method on a Child is Base.method; def free(self, z) is free), class/static methods, properties, closures, lambdas, local classes, recursion, signatures.</summary>
    private const string Names = """
        class Base:
            def __init__(self, v):
                self.v = v

            def method(self, z):
                return self.v + z

            @classmethod
            def cm(cls, z):
                return z * 2

            @staticmethod
            def sm(z):
                return z - 1

            @property
            def prop(self):
                return self.v

            def over(self):
                return "base"

            def __len__(self):
                return 3

        class Child(Base):
            def over(self):
                return "child+" + super().over()

        class GrandChild(Child):
            pass

        def free(self, z):
            return z

        def outer(a):
            def inner(b):
                return a + b
            return inner

        def make_counter():
            count = 0
            def inc():
                nonlocal count
                count += 1
                return count
            return inc

        def factory():
            class Local:
                def m(self):
                    return 1
            return Local().m()

        def deep():
            def level1():
                def level2():
                    return "bottom"
                return level2()
            return level1()

        def fib(n):
            return n if n < 2 else fib(n - 1) + fib(n - 2)

        def sig(a, b=2, *rest, c, d=4, **kw):
            return a

        def posonly(a, b, /, c, *, d):
            return d

        square = lambda x: x * x

        def with_lambda(items):
            return sorted(items, key=lambda v: -v)

        def names():
            child = Child(3)
            Base.method(child, 1)
            child.method(4)
            Base(1).method(2)
            GrandChild(5).method(6)
            Child.cm(5)
            child.cm(6)
            Base.cm(7)
            Base.sm(3)
            Child.sm(4)
            child.sm(5)
            child.prop
            child.over()
            len(child)
            free(child, 9)
            free(Base(1), 9)
            outer(1)(2)
            inc = make_counter()
            inc()
            inc()
            factory()
            deep()
            fib(5)
            sig(1, c=3)
            sig(1, 2, 3, 4, c=5, d=6, e=7)
            posonly(1, 2, 3, d=4)
            posonly(1, 2, c=3, d=4)
            square(4)
            with_lambda([3, 1, 2])
            return "ok"

        print(names())
        """;

    /// <summary>generators resumed more than 20 times (3.11 specialises), 30 short ones, yield from, send, throw, close, an exception out of a generator.</summary>
    private const string Generators = """
        def counter(n):
            for i in range(n):
                yield i
            return "done"

        def delegate(n):
            result = yield from counter(n)
            return result

        def accumulate():
            total = 0
            while True:
                x = yield total
                if x is None:
                    return total
                total += x

        def catcher():
            while True:
                try:
                    yield 1
                except ValueError as e:
                    yield "caught " + str(e)

        def failing(n):
            for i in range(n):
                yield i
            raise KeyError(n)

        def stops(n):
            for i in range(n):
                yield i
            raise StopIteration("early")  # PEP 479: the for loop gets RuntimeError from it

        def generators():
            total = 0
            for _ in range(30):
                for v in counter(3):
                    total += v
            for v in counter(25):
                total += v
            for v in delegate(22):
                total += v
            acc = accumulate()
            next(acc)
            for i in range(25):
                acc.send(i)
            try:
                acc.send(None)
            except StopIteration as stop:
                total += stop.value
            c = catcher()
            next(c)
            c.throw(ValueError("t"))
            next(c)
            c.close()
            try:
                for v in failing(21):
                    total += v
            except KeyError:
                pass
            try:
                for v in stops(3):
                    total += v
            except RuntimeError:
                pass
            return total

        print(generators())
        """;

    /// <summary>coroutines driven by send() and by asyncio.gather, awaiting each other and a custom __await__ generator; a failing task.</summary>
    private const string Coroutines = """
        import asyncio

        class Tick:
            def __await__(self):
                yield "tick"
                return 1

        async def manual(n):
            s = 0
            for i in range(n):
                s += await Tick()
            return s

        async def worker(name, n):
            total = 0
            for i in range(n):
                await asyncio.sleep(0)
                total += i
            return name + str(total)

        async def failing_worker(n):
            for i in range(n):
                await asyncio.sleep(0)
            raise ValueError(n)

        async def chain(n):
            return await worker("chained", n)

        async def stops():
            await asyncio.sleep(0)
            raise StopIteration("c")  # PEP 479: the awaiting task gets RuntimeError from it

        async def amain():
            results = await asyncio.gather(worker("a", 25), worker("b", 22), worker("c", 3), chain(21))
            try:
                await asyncio.gather(failing_worker(2), worker("d", 4))
            except ValueError as e:
                results.append(str(e))
            try:
                await stops()
            except RuntimeError as e:
                results.append(str(e))
            return results

        def drive(coro):
            try:
                while True:
                    coro.send(None)
            except StopIteration as stop:
                return stop.value

        def coroutines():
            print(drive(manual(25)))
            print(asyncio.run(amain()))
            return "ok"

        print(coroutines())
        """;

    /// <summary>floats with a few decimals (the common kind) around every edge of their short path, and others beside them.</summary>
    private const string Floats = """
        import random

        def ident(x):
            return x

        def floats():
            rng = random.Random(7)
            values = [i / 10**k for k in range(10) for i in (1, 5, 9, 15, 99, 101, 125, 999, 1001, 123456789)]
            values += [rng.randint(-10**6, 10**6) / 10**rng.randint(0, 9) for _ in range(400)]
            values += [rng.uniform(-1e6, 1e6) for _ in range(100)] + [rng.random() * 1e-3 for _ in range(50)]
            values += [1e-4, 0.00011, 9.9e-05, 0.0001 + 5e-20, 2.0**50, 2.0**50 - 0.5, 2.0**50 + 2, 1e15, 1e15 - 0.125,
                       999999999999999.9, 123456789012.3456, 0.1 + 0.2, 1 / 3, 2 / 3, 0.5, 0.25, 0.125, 1e-8, 12345678.12345678]
            values += [-v for v in values]
            for v in values:
                ident(v)
            return len(values)

        print(floats())
        """;

    /// <summary>exec/eval of code compiled as "", "&lt;string&gt;" and as a file in the folder, under --modules: the program goes on, the folder's functions are recorded.</summary>
    private const string Execd = """
        import os

        HERE = os.path.dirname(os.path.abspath(__file__))
        SRC = "def made(x):\n    return target(x) + 1\nmade(5)\n"

        def target(x):
            return x * 2

        def execd():
            exec(compile(SRC, "", "exec"), {"target": target})
            exec(compile(SRC, "<string>", "exec"), {"target": target})
            exec(SRC, {"target": target})
            exec(compile(SRC, os.path.join(HERE, "virtual_module.py"), "exec"), {"target": target})
            eval(compile("target(7)", "", "eval"), {"target": target})
            namespace = {"target": target}
            exec(compile("def later(y):\n    return target(y)\n", "", "exec"), namespace)
            namespace["later"](8)
            return "ok"

        print(execd())
        """;

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Strings_of_every_length_from_40_to_110_are_exact_or_cut_with_dots(string minor) => Check(minor, Strings);

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Every_scalar_type_is_exact(string minor) => Check(minor, Scalars);

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Floats_are_exact(string minor) => Check(minor, Floats);

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Ints_in_and_around_the_small_int_cache_are_exact(string minor) => Check(minor, SmallInts);

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Small_containers_are_exact(string minor) => Check(minor, Containers);

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Containers_passed_again_after_a_change_show_the_change(string minor) => Check(minor, ChangingContainers);

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Exceptions_have_their_type_and_message(string minor) => Check(minor, Exceptions);

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Functions_are_named_where_they_are_defined(string minor) => Check(minor, Names);

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Generators_resumed_many_times_are_resumes(string minor) => Check(minor, Generators);

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Coroutines_and_asyncio_gather_are_resumes(string minor) => Check(minor, Coroutines);

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Execd_code_under_modules_is_recorded_where_it_is_in_the_folder(string minor) => Check(minor, Execd);

    /// <summary>Same program, same hash seed: once under the reference tracer, once under pytrace; same output, same calls.</summary>
    private static void Check(string minor, string program)
    {
        using var run = new TracedRun(minor);
        string script = run.Write("prog/prog.py", program);
        string reference = run.Write("reftrace.py", ReferenceTrace.Source);
        string json = Path.Combine(run.Folder, "reference.json");
        var env = new Dictionary<string, string> { ["PYTHONHASHSEED"] = "0" };
        var untraced = ProcessRun.Run(run.Python, [reference, script, json], run.Folder, env);
        Assert.True(untraced.ExitCode == 0, "reference tracer failed: " + untraced.Stderr);
        var traced = ProcessRun.Run(Repo.Pytrace, ["--python", run.Python, "--db", run.Db, "--modules", Path.GetDirectoryName(script)!, script],
            run.Folder, env, TimeSpan.FromSeconds(180));
        Assert.True(traced.ExitCode == 0, $"pytrace exit {traced.ExitCode}: {traced.Stderr}");
        Assert.Equal(untraced.Stdout, traced.Stdout);
        ReferenceTrace.AssertSame(ReferenceTrace.Load(json), run.Calls());
    }
}
