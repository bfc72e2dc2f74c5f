using Pytrace.Reader.Commands;
using Pytrace.Reader.Tests.Support;

namespace Pytrace.Reader.Tests;

public sealed class QueryCommandTests : IDisposable
{
    private readonly TempDb _db = new();

    public QueryCommandTests() => Shop.Write(_db.Path);

    public void Dispose() => _db.Dispose();

    private (int Code, string Out, string Err) Query(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var code = QueryCommand.Run([.. args, "--db", _db.Path], stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    // The functions of the matching calls, in id order.
    private string Funcs(string filter)
    {
        var (code, output, error) = Query(filter, "--format", "jsonl");
        Assert.True(code is 0 or 1, error);
        return string.Join(",", output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("func").GetString()));
    }

    [Theory]
    [InlineData("query")]
    [InlineData("export")]
    [InlineData("read")]
    public void HelpPrintsTheUsageAndExitsZero(string command)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        int code = command switch
        {
            "query" => QueryCommand.Run(["--help"], stdout, stderr),
            "export" => ExportCommand.Run(["-h", "--db", _db.Path], stdout, stderr),
            _ => ReadCommand.Run(["--help"], stdout, stderr, terminal: null),
        };
        Assert.Equal((0, ""), (code, stderr.ToString()));
        Assert.Contains($"Usage:\n  {command} ", stdout.ToString());
        Assert.Contains("--db <PATH>", stdout.ToString());
        Assert.Contains("Examples:\n  pytrace", stdout.ToString());
    }

    [Theory]
    [InlineData("func == 'checkout'", "checkout")]
    [InlineData("func == 'checkout%'", "checkout,checkout_fast")]
    [InlineData("func == 'checkout_fast'", "checkout_fast")]
    [InlineData("thread == 'MainThread' and depth == 0", "checkout,helper,JSONDecoder.decode,checkout_fast")]
    [InlineData("thread == 'Main%' and func == 'pay'", "pay")]
    [InlineData("thread != 'MainThread'", "")]
    [InlineData("func != 'check_ut' and module == 'shop'", "checkout,price,pay,helper,checkout_fast")] // `_` is no wildcard
    [InlineData("func == '%_fast'", "checkout_fast")]
    [InlineData("func == '%t_f%'", "checkout_fast")]
    [InlineData("func != 'checkout' and module == 'shop'", "price,pay,helper,checkout_fast")]
    [InlineData("module == 'json%'", "JSONDecoder.decode")]
    [InlineData("not (module == 'json%')", "checkout,price,pay,helper,checkout_fast")]
    [InlineData("func ~= '^p'", "price,pay")]
    [InlineData("func matches 'DEC'", "")]
    [InlineData("file ~= 'json/decoder.py$'", "JSONDecoder.decode")]
    [InlineData("arg == 'qty' and value == '2'", "price")]
    [InlineData("arg == 'item' and value == '2'", "")]
    [InlineData("arg == 'user' and value == \"'ann'\"", "checkout")]
    [InlineData("arg == 'user' and value == 'ann'", "checkout")]              // a plain text also names that str
    [InlineData("value == 'book'", "price")]
    [InlineData("arg == 'user' and value != 'ann'", "checkout_fast")]
    [InlineData("arg == 'user' and (value == \"'ann'\" or value == \"'bob'\")", "checkout,checkout_fast")]
    [InlineData("value == 2", "price")]
    [InlineData("arg == 'item' and value == \"'book'\" and not not (arg == 'qty' and value == '2')", "price")]
    [InlineData("(arg == 'qty') and (func == 'price') and value == '2'", "price")]
    [InlineData("type == 'Cart'", "checkout")]
    [InlineData("type == 'Cart' and arg == 'user'", "")]
    [InlineData("type == 'Cart' and func == 'checkout' or depth == 1 and value == '24.0'", "checkout,pay")]
    [InlineData("arg == 'exception'", "checkout,pay")]
    [InlineData("arg == 'exception' and type == 'PaymentError' and value == '%card declined%'", "checkout,pay")]
    [InlineData("arg == 'exception' and depth > 0", "pay")]
    [InlineData("arg == 'return value' and value == '24.0'", "price")]
    [InlineData("arg == 'return value' and type == 'bool'", "checkout_fast")]
    [InlineData("not arg == 'exception' and depth == 0", "helper,JSONDecoder.decode,checkout_fast")]
    [InlineData("args.user == 'ann'", "checkout")]                                    // arguments by name
    [InlineData("args.user == \"'bob'\"", "checkout_fast")]
    [InlineData("args.user != 'ann'", "checkout_fast")]                                // a call with a user that is not 'ann'
    [InlineData("args.item == 'book' and args.qty == 2", "price")]                    // two arguments of one call
    [InlineData("args.item == 'book' and args.qty > 2", "")]
    [InlineData("args.qty >= 2 and args.qty < 2.5", "price")]                          // numbers compare as numbers
    [InlineData("args.qty == 2.0", "price")]
    [InlineData("args.x > 4 or args.amount > 23", "pay,helper")]
    [InlineData("args.amount ~= '^24'", "pay")]
    [InlineData("args.cart > 1", "")]                                                  // not a number: never compares
    [InlineData("args.nobody == 1", "")]
    [InlineData("return > 23.5", "price")]                                             // the return value
    [InlineData("return == 24", "price")]
    [InlineData("return == 'True'", "checkout_fast")]
    [InlineData("return ~= 'a'", "JSONDecoder.decode")]
    [InlineData("return != 24 and depth == 0", "helper,JSONDecoder.decode,checkout_fast")] // no exceptions: they return nothing
    [InlineData("duration > 0.00005", "checkout")]
    [InlineData("duration < 0.000004 and depth == 1", "price")]
    [InlineData("depth >= 1", "price,pay")]
    [InlineData("(depth < 1 or func != 'helper') and tid == 1 and pid == 4321", "checkout,price,pay,helper,JSONDecoder.decode,checkout_fast")]
    [InlineData("line == 10", "checkout")]
    [InlineData("time >= '12:01:02' and time < '12:01:03'", "checkout,price,pay,helper,JSONDecoder.decode,checkout_fast")]
    [InlineData("time > '2026/11/25 12:01:02'", "")]
    [InlineData("time < '2026/11/25 12:01:02.000002'", "checkout")]
    [InlineData("time == '12:01'", "checkout,price,pay,helper,JSONDecoder.decode,checkout_fast")]
    [InlineData("func == \"x' OR 1=1 --\"", "")]
    public void SelectsCalls(string filter, string funcs) => Assert.Equal(funcs, Funcs(filter));

    [Fact]
    public void TextFormatPrintsOneLinePerCallWithoutEscapes()
    {
        var (code, output, _) = Query("module == 'shop'");
        Assert.Equal(0, code);
        var lines = output.TrimEnd('\n').Split('\n');
        Assert.Equal(5, lines.Length);
        Assert.Matches(@"^12:01:02\.000001  → shop\.checkout\(cart=Cart<3 items>, user='ann'\)  ✗ PaymentError\('card declined'\)  104\.0 µs$", lines[0]);
        Assert.Matches(@"^12:01:02\.\d{6}    → shop\.price\(item='book', qty=2\)  = 24\.0  3\.1 µs$", lines[1]);
        Assert.DoesNotContain('\x1b', output);
    }

    [Fact]
    public void AMisspeltNameShowsTheNearestOnesCallsAndSaysSo()
    {
        var (code, output, error) = Query("func == 'chekout'");
        Assert.Equal(0, code);
        Assert.Contains("shop.checkout(cart=Cart<3 items>, user='ann')", output);
        Assert.Equal("pytrace query: no call matched: no func 'chekout' — showing func == 'checkout'\n", error);
    }

    [Fact]
    public void NothingMatchedExitsOne()
    {
        var (code, output, error) = Query("func == 'checkout' and depth == 9");
        Assert.Equal((1, ""), (code, output));
        Assert.Equal("pytrace query: no call matched\n", error);
    }

    [Fact]
    public void BadFilterExitsTwoWithOneLinePointingAtTheToken()
    {
        var (code, output, error) = Query("func == 'x' and colour == 'red'");
        Assert.Equal((2, ""), (code, output));
        Assert.Equal("pytrace query: bad filter at column 17: unknown field 'colour' (fields: time, tid, pid, thread, module, func, file, line, depth, duration, kind, arg, value, type, return, args.NAME)\n", error);
    }

    [Theory]
    [InlineData("--format", "xml")]
    [InlineData("--colour", "red")]
    public void BadOptionsExitTwo(string option, string value)
    {
        var (code, _, error) = Query("depth == 0", option, value);
        Assert.Equal(2, code);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void MissingFilterExitsTwo()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.Equal(2, QueryCommand.Run(["--db", _db.Path], stdout, stderr));
        Assert.StartsWith("pytrace query: missing FILTER", stderr.ToString());
    }
}
