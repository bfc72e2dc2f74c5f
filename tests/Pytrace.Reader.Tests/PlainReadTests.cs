using Pytrace.Reader.Commands;
using Pytrace.Reader.Tests.Support;

namespace Pytrace.Reader.Tests;

public sealed class PlainReadTests : IDisposable
{
    private readonly TempDb _db = new();

    public void Dispose() => _db.Dispose();

    private string Read()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.Equal(0, ReadCommand.Run([_db.Path], stdout, stderr, terminal: null));
        Assert.Equal("", stderr.ToString());
        return stdout.ToString();
    }

    [Fact]
    public void PrintsTheTreeWithReturnsOfParentsOnTheirOwnLine()
    {
        Shop.Write(_db.Path);
        Assert.Equal("""
            12:01:02.000001  → shop.checkout(cart=Cart<3 items>, user='ann')
            12:01:02.000002    → shop.price(item='book', qty=2)  = 24.0  3.1 µs
            12:01:02.000006    → shop.pay(amount=24.0)  ✗ PaymentError('card declined')  40.2 µs
            12:01:02.000105  ← shop.checkout  ✗ PaymentError('card declined')  104.0 µs
            12:01:02.000106  → shop.helper(x=5)  = None  1.0 µs
            12:01:02.000108  → json.decoder.JSONDecoder.decode(s='{"a": 1}')  = {'a': 1}  1.0 µs
            12:01:02.000110  → shop.checkout_fast(user='bob')  = True  1.0 µs

            """, Read());
    }

    [Fact]
    public void AClassBodyReadsAsTheClassStatementItIs()
    {
        Shop.Write(_db.Path, more: b =>
        {
            b.Enter("shop", "Cart", Pytrace.Storage.Schema.CallKind.Class);
            b.Leaf("shop", "Cart.helper", "int", "1");
            b.Return("NoneType", "None", 9_000);
            b.Enter("shop", "Empty", Pytrace.Storage.Schema.CallKind.Class);
            b.Return("NoneType", "None", 2_000);
        });
        var lines = Read().Split('\n');
        Assert.Contains("12:01:02.000112  → class shop.Cart", lines);
        Assert.Contains(lines, l => l.StartsWith("12:01:02.000121  ← class shop.Cart  9.0 µs", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("12:01:02.000122  → class shop.Empty  2.0 µs", StringComparison.Ordinal));
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.Equal(0, QueryCommand.Run(["kind == 'class'", "--db", _db.Path, "--format", "jsonl"], stdout, stderr));
        Assert.Equal(["Cart", "Empty"], stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Select(e => e.GetProperty("kind").GetString() == "class" ? e.GetProperty("func").GetString() : "not a class"));
    }

    [Fact]
    public void ShowsPidAndTidColumnsOnlyWhenThereAreSeveralAndDropsAsGaps()
    {
        Shop.Write(_db.Path, more: b =>
        {
            b.Thread(4321, 2, "worker");
            b.Enter("shop", "work");
            b.Drop(12);
            b.Leaf("shop", "step", "int", "1");
            b.Return("NoneType", "None");
        });
        var lines = Read().TrimEnd('\n').Split('\n');
        // The thread's name beside its id, padded so that the tree lines up whichever thread a row is on.
        Assert.Equal("12:01:02.000001       1 MainThread    → shop.checkout(cart=Cart<3 items>, user='ann')", lines[0]);
        Assert.Equal("12:01:02.000112       2 worker        → shop.work()", lines[7]);
        Assert.Equal("12:01:02.000113  ~~~~ 12 records dropped (pid 4321) ~~~~", lines[8]);
        Assert.Equal("12:01:02.000114       2 worker          → shop.step()  = 1  1.0 µs", lines[9]);
        Assert.Equal("12:01:02.000116       2 worker        ← shop.work  = None  4.0 µs", lines[10]);
        Assert.Equal(11, lines.Length);
    }

    [Fact]
    public void NestedReturnsCloseInnermostFirstAndUnfinishedParentsHaveNoReturn()
    {
        using (var b = new TraceBuilder(_db.Path))
        {
            b.Thread(1, 1, "MainThread");
            b.Enter("app", "<module>");
            b.Enter("app", "outer", ("n", "int", "2"));
            b.Enter("app", "inner");
            b.Leaf("app", "leaf", "str", "'" + new string('x', 200) + "'");
            b.Return("int", "3");
            b.Return("int", "4");
        }
        var lines = Read().TrimEnd('\n').Split('\n');
        Assert.Equal(["→ app.<module>()", "→ app.outer(n=2)", "→ app.inner()", "→ app.leaf()  = '" + new string('x', 96) + "...  1.0 µs",
            "← app.inner  = 3  3.0 µs", "← app.outer  = 4  5.0 µs"], lines.Select(l => l[17..].Trim()));
        Assert.Equal(6, lines.Length);
    }

    [Theory]
    [InlineData("--colour", "pytrace read: unknown option --colour (see pytrace read --help)")]
    [InlineData("--dv", "pytrace read: unknown option --dv: did you mean --db?")]
    [InlineData("a.sqlite b.sqlite", "pytrace read: unexpected argument 'b.sqlite' (see pytrace read --help)")]
    [InlineData("nope.sqlite", "pytrace read: no traces database at nope.sqlite (run `pytrace SCRIPT` first, or pass --db PATH)")]
    public void BadInputIsOneLineAndExitTwo(string args, string message)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.Equal(2, ReadCommand.Run(args.Split(' '), stdout, stderr, terminal: null));
        Assert.Equal((message + "\n", ""), (stderr.ToString(), stdout.ToString()));
    }
}
