using Pytrace.Reader.Data;
using Pytrace.Reader.Filter;
using Pytrace.Reader.Tests.Support;

namespace Pytrace.Reader.Tests;

/// <summary>
/// Filters compiled against the shop run, whose functions are 1 checkout, 2 price, 3 pay, 4 helper,
/// 5 JSONDecoder.decode, 6 checkout_fast (lines 10-15) and whose values are 1 Cart&lt;3 items&gt;, 2 'ann', 3 'book',
/// 4 2, 5 24.0, 6 PaymentError('card declined'), 7 5, 8 None; types 1 Cart, 2 str, 3 int, 4 float, 5 PaymentError.
/// </summary>
public sealed class FilterParserTests : IDisposable
{
    private readonly TempDb _db = new();
    private readonly TraceDb _trace;
    private readonly FilterContext _context;

    public FilterParserTests()
    {
        Shop.Write(_db.Path);
        _trace = TraceDb.Open(_db.Path);
        _context = new FilterContext(new DateOnly(2026, 11, 25), TimeZoneInfo.Utc, new Catalog(_trace));
    }

    public void Dispose()
    {
        _trace.Dispose();
        _db.Dispose();
    }

    [Theory]
    [InlineData("func == 'checkout'", "c.function IN (1)")]
    [InlineData("func == 'x'", "c.function IN ()")]
    [InlineData("func != 'checkout'", "c.function IN (2,3,4,5,6)")]
    [InlineData("module == 'shop%'", "c.function IN (1,2,3,4,6)")]
    [InlineData("module != 'json%'", "c.function IN (1,2,3,4,6)")]
    [InlineData("file ~= 'decoder.py$'", "c.function IN (5)")]
    [InlineData("file matches 'decoder.py$'", "c.function IN (5)")]
    [InlineData("line >= 12", "c.function IN (3,4,5,6)")]
    [InlineData("depth < 3", "c.depth < @p0")]
    [InlineData("depth <= 3", "c.depth <= @p0")]
    [InlineData("tid == 1", "c.thread IN (1)")]
    [InlineData("pid > 4321", "c.thread IN ()")]
    [InlineData("duration > 0.01", "c.duration > @p0")]
    [InlineData("time > '12:01:02'", "c.start >= @p0")]
    [InlineData("kind == 'call'", "c.kind = 0")]
    [InlineData("kind == 'resume'", "c.kind = 1")]
    [InlineData("kind == 'log'", "c.kind = 2")]
    [InlineData("kind != 'log'", "c.kind != 2")]
    [InlineData("value == '5'", "((instr(c.args, @p0) > 0)) IS TRUE")]
    [InlineData("value == '6'", "(0) IS TRUE")]
    [InlineData("type == 'Cart'", "((instr(c.args, @p0) > 0)) IS TRUE")]
    [InlineData("arg == 'qty'", "((c.function IN (2) AND c.args ->> 1 IS NOT NULL)) IS TRUE")]
    [InlineData("arg == 'user'", "((c.function IN (1,6) AND ((c.function IN (6) AND c.args ->> 0 IS NOT NULL) OR (c.function IN (1) AND c.args ->> 1 IS NOT NULL)))) IS TRUE")]
    [InlineData("arg == 'exception'", "(c.packed & 3) = 3")]
    [InlineData("arg == 'return value' and value == '24.0'", "(c.end_kind = 1 AND c.result IN (5))")]
    [InlineData("arg == 'return value' and type == 'float'", "(c.end_kind = 1 AND c.result IN (5))")]
    [InlineData("arg == 'exception' and type == 'PaymentError'", "((c.packed & 3) = 3 AND EXISTS (SELECT 1 FROM vals v WHERE v.id = c.result AND v.type IN (5)))")]
    [InlineData("arg == 'exception' and type == 'KeyError'", "((c.packed & 3) = 3 AND EXISTS (SELECT 1 FROM vals v WHERE v.id = c.result AND v.type IN ()))")]
    public void CompilesEachOperator(string filter, string sql) =>
        Assert.Equal(sql, SqlCompiler.Compile(filter, _context).Sql);

    [Theory]
    [InlineData(@"file ~= 'views?\.py$'", @"views?\.py$")]   // a backslash that escapes nothing stays, as in Python
    [InlineData(@"value ~= '\d+'", @"\d+")]
    [InlineData(@"value == 'it\'s'", "it's")]
    [InlineData(@"value == ""say \""hi\""""", "say \"hi\"")]
    [InlineData(@"value == 'a\\b'", @"a\b")]
    [InlineData(@"value == 'tab\there'", "tab\there")]
    public void StringLiteralsReadLikePythonStrings(string filter, string value) =>
        Assert.Equal(value, ((Comparison)Parser.Parse(filter)).Value);

    [Fact]
    public void ArgComparisonsJoinedByAndReferToOneArgument()
    {
        var compiled = SqlCompiler.Compile("func == 'helper' and arg == 'x' and depth > 0 and value == '5'", _context);
        Assert.Equal("(c.function IN (4) AND (c.depth > @p0 AND " +
                     "((c.function IN (4) AND ((instr(c.args, @p1) > 0) AND CAST(c.args ->> 0 AS INTEGER) IN (7)))) IS TRUE))", compiled.Sql);
        Assert.Equal(new object?[] { 0.0, Pytrace.Storage.ArgsColumn.Pattern(7) }, compiled.Parameters);
    }

    [Fact]
    public void NotNegatesTheWholeCallTest()
    {
        var sql = SqlCompiler.Compile("not (arg == 'x' and value == '5')", _context).Sql;
        Assert.Equal("NOT (((c.function IN (4) AND ((instr(c.args, @p0) > 0) AND CAST(c.args ->> 0 AS INTEGER) IN (7)))) IS TRUE)", sql);
    }

    [Fact]
    public void AndBindsTighterThanOrAndNotTighterThanAnd()
    {
        var tree = Parser.Parse("depth == 1 or not depth == 2 and depth == 3");
        var or = Assert.IsType<OrNode>(tree);
        var and = Assert.IsType<AndNode>(or.Right);
        Assert.IsType<NotNode>(and.Left);
        Assert.IsType<Comparison>(and.Right);
        Assert.IsType<AndNode>(Parser.Parse("(depth == 1 or depth == 2) and depth == 3"));
    }

    [Fact]
    public void TimeOfDayIsAnIntervalAsWideAsItsPrecision()
    {
        // calls.start counts from the file's epoch, so the compiled bounds do too.
        var start = (new DateTime(2026, 11, 25, 12, 1, 2, DateTimeKind.Utc) - DateTime.UnixEpoch).Ticks * 100 - _context.Catalog.EpochNs;
        Assert.Equal(new object?[] { start, start + 1_000_000_000 }, SqlCompiler.Compile("time == '12:01:02'", _context).Parameters);
        Assert.Equal(new object?[] { start + 123_456_000 }, SqlCompiler.Compile("time >= '2026/11/25 12:01:02.123456'", _context).Parameters);
        Assert.Equal(new object?[] { start + 124_000_000 }, SqlCompiler.Compile("time > '2026-11-25 12:01:02.123'", _context).Parameters);
    }

    [Theory]
    [InlineData("fnuc == 'x'", 0, 4, "unknown field 'fnuc' (fields: time, tid, pid, thread, module, func, file, line, depth, duration, kind, arg, value, type, return, args.NAME)")]
    [InlineData("func < 'x'", 5, 1, "'<' does not apply to func; use == != ~= matches")]
    [InlineData("depth ~= '1'", 6, 2, "'~=' does not apply to depth; use == != < <= > >=")]
    [InlineData("depth == 'x'", 9, 3, "depth compares with a number, found 'x'")]
    [InlineData("func == 3", 8, 1, "func compares with a quoted string, found '3'")]
    [InlineData("kind == 'Log'", 8, 5, "unknown kind 'Log' (kinds: call, resume, log, class, c)")]
    [InlineData("kind matches 'l'", 5, 7, "'matches' does not apply to kind; use == !=")]
    [InlineData("time > '25/11/2026'", 7, 12, "bad time '25/11/2026': use 'YYYY/MM/DD HH:MM:SS[.ffffff]' or 'HH:MM:SS[.ffffff]' (local time)")]
    [InlineData("func == 'x", 8, 2, "unclosed quote")]
    [InlineData("func = 'x'", 5, 1, "'=' is not an operator: use '==' to compare")]
    [InlineData("func == 'x' depth", 12, 5, "expected 'and', 'or' or the end, found 'depth'")]
    [InlineData("(func == 'x'", 12, 1, "expected ')' to close the '(' at column 1, found the end of the filter")]
    [InlineData("func == 'x')", 11, 1, "')' without '('")]
    [InlineData("func", 4, 1, "expected an operator after 'func' (== != ~= matches), found the end of the filter")]
    [InlineData("", 0, 1, "empty filter")]
    [InlineData("func ~= '('", 8, 3, "bad regular expression: Invalid pattern '(' at offset 1. Not enough )'s.")]
    public void ErrorsPointAtTheToken(string filter, int column, int length, string message)
    {
        var e = Assert.Throws<FilterException>(() => SqlCompiler.Compile(filter, _context));
        Assert.Equal((message, column, length), (e.Message, e.Column, e.Length));
        Assert.Equal(new string(' ', column) + new string('^', length), e.Caret);
    }

    [Theory]
    [InlineData("func == \"x' OR 1=1 --\"")]
    [InlineData("value == '5\\'; DROP TABLE calls; --'")]
    [InlineData("module ~= '.*' or arg == \"') OR ('1'='1\"")]
    public void LiteralsNeverReachTheSqlText(string filter)
    {
        var compiled = SqlCompiler.Compile(filter, _context);
        Assert.DoesNotContain("'", compiled.Sql);
        Assert.DoesNotContain("--", compiled.Sql);
        Assert.DoesNotContain("DROP", compiled.Sql);
    }

    [Fact]
    public void ReplaceRequotesCorrectedLiterals()
    {
        var tree = (Comparison)Parser.Parse("func == 'chekout'");
        Assert.Equal("func == 'it\\'s'", SqlCompiler.Replace("func == 'chekout'", [(tree.ValueToken, "it's")]));
    }
}
