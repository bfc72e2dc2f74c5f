using Pytrace.Integration.Tests.Support;

namespace Pytrace.Integration.Tests;

/// <summary>What a traced program leaves in the database: calls, arguments, returns, exceptions, yields, threads.</summary>
public class RecordingTests
{
    private const string Shop = """
        import sys

        class PaymentError(Exception):
            pass

        class Cart:
            def __init__(self, items):
                self.items = items

            def total(self):
                return sum(price(i, 2) for i in self.items)

        def price(item, qty):
            return 12.0 * qty

        def pay(amount):
            raise PaymentError("card declined")

        def checkout(cart, user, *extra, express=False, **options):
            pay(cart.total())

        def main():
            try:
                checkout(Cart(["book"]), "ann", 1, 2, express=True, gift="yes")
            except PaymentError as error:
                print("failed:", error)
            return 0

        main()
        """;

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Records_calls_arguments_returns_and_exceptions(string minor)
    {
        using var run = new TracedRun(minor);
        var result = run.Trace(run.Write("shop.py", Shop));
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("failed: card declined\n", result.Stdout);

        var calls = run.Calls();
        var module = calls[0];
        Assert.Equal(("__main__", "<module>", 0), (module.Module, module.Func, module.Depth));
        Assert.Null(module.Parent);

        var checkout = calls.Single(c => c.Func == "checkout");
        Assert.Equal("cart=<__main__.Cart object at 0x, user='ann', *extra=(1, 2), express=True, **options={'gift': 'yes'}",
            System.Text.RegularExpressions.Regex.Replace(checkout.ArgText, "0x[0-9a-f]+>", "0x"));
        Assert.Equal(["Cart", "str", "tuple", "bool", "dict"], checkout.Args.Select(a => a.Type));
        Assert.Equal((3, "PaymentError", "PaymentError('card declined')"), (checkout.End, checkout.ResultType, checkout.Result));

        var price = calls.Single(c => c.Func == "price");
        Assert.Equal("item='book', qty=2", price.ArgText);
        Assert.Equal((1, "float", "24.0"), (price.End, price.ResultType, price.Result));

        var pay = calls.Single(c => c.Func == "pay");
        Assert.Equal(checkout.Id, pay.Parent);
        Assert.Equal((3, "PaymentError", "PaymentError('card declined')"), (pay.End, pay.ResultType, pay.Result));

        var main = calls.Single(c => c.Func == "main");
        Assert.Equal((1, "int", "0"), (main.End, main.ResultType, main.Result));
        var total = calls.Single(c => c.Func.EndsWith("total", StringComparison.Ordinal));
        Assert.Equal("Cart.total", total.Func);
        Assert.All(calls, c => Assert.True(c.EndNs >= c.StartNs, $"{c.Func} ends before it starts"));
        Assert.DoesNotContain(calls, c => c.Module is "runpy" or "site" or "pytrace" or "sitecustomize" or "zipimport");
    }

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Generators_record_each_resumption_and_how_it_ended(string minor)
    {
        using var run = new TracedRun(minor);
        var result = run.Trace(run.Write("gen.py", """
            def count(n):
                for i in range(n):
                    yield i * 10
                return "done"

            print(list(count(2)))
            """));
        Assert.True(result.ExitCode == 0, result.Stderr);
        var rows = run.Calls().Where(c => c.Func == "count").Select(c => (c.Kind, c.End, c.Result)).ToList();
        Assert.Equal([(0, 2, "0"), (1, 2, "10"), (1, 1, "'done'")], rows);
        Assert.Equal("n=2", run.Calls().First(c => c.Func == "count").ArgText);
    }

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Threads_are_recorded_with_their_native_id_and_name(string minor)
    {
        using var run = new TracedRun(minor);
        var result = run.Trace(run.Write("threads.py", """
            import threading

            def work(n):
                return n * 2

            def main():
                t = threading.Thread(target=work, args=(21,), name="worker")
                t.start()
                t.join()
                return threading.get_native_id()

            print(main())
            """));
        Assert.True(result.ExitCode == 0, result.Stderr);
        var calls = run.Calls();
        var main = calls.Single(c => c.Func == "main");
        var work = calls.Single(c => c.Func == "work");
        Assert.Equal(result.Stdout.Trim(), main.Result);
        Assert.Equal(main.Tid.ToString(System.Globalization.CultureInfo.InvariantCulture), main.Result);
        Assert.NotEqual(main.Tid, work.Tid);
        Assert.Equal("MainThread", main.Thread);
        Assert.Equal("worker", work.Thread);
        Assert.Equal(("n=21", "42"), (work.ArgText, work.Result));
    }

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void Modules_option_records_only_code_under_the_folders(string minor)
    {
        using var run = new TracedRun(minor);
        run.Write("lib/helper.py", "def help(x):\n    return x + 1\n");
        var script = run.Write("app/main.py", """
            import sys, os
            sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
            import helper, json

            def go():
                return helper.help(json.loads("1"))

            go()
            """);
        var result = run.Trace(script, "--modules", Path.Combine(run.Folder, "lib"));
        Assert.True(result.ExitCode == 0, result.Stderr);
        var funcs = run.Calls().Select(c => c.Module + "." + c.Func).Distinct().ToList();
        Assert.Contains("helper.help", funcs);
        Assert.Contains("helper.<module>", funcs);
        Assert.DoesNotContain(funcs, f => f.StartsWith("__main__", StringComparison.Ordinal) || f.StartsWith("json", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Pythons.All), MemberType = typeof(Pythons))]
    public void A_full_ring_drops_and_counts_instead_of_blocking(string minor)
    {
        using var run = new TracedRun(minor);
        var result = run.Trace(run.Write("busy.py", """
            def f(i):
                return i

            for i in range(300000):
                f(i)
            """), "--buffer-size", "64K");
        Assert.True(result.ExitCode == 0, result.Stderr);
        long dropped = run.Scalar<long>("SELECT dropped FROM runs");
        long gaps = run.Scalar<long>("SELECT coalesce(sum(count), 0) FROM drops");
        long calls = run.Scalar<long>("SELECT count(*) FROM calls");
        Assert.True(dropped > 0, "a 64K ring cannot hold 300,000 calls");
        Assert.Equal(dropped, gaps);
        Assert.Contains("records dropped (raise --buffer-size)", result.Stderr);
        Assert.True(calls > 0 && calls < 300001);
    }
}
