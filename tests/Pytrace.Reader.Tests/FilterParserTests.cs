using Pytrace.Reader.Filter;

namespace Pytrace.Reader.Tests;

public class FilterParserTests
{
    private static readonly FilterContext Context = new(new DateOnly(2026, 11, 25), TimeZoneInfo.Utc);

    [Theory]
    [InlineData("func == 'x'", "c.function IN (SELECT id FROM functions WHERE name = @p0)")]
    [InlineData("func != 'x'", "c.function IN (SELECT id FROM functions WHERE name != @p0)")]
    [InlineData("module == 'shop%'", "c.function IN (SELECT id FROM functions WHERE module LIKE @p0)")]
    [InlineData("module != 'json%'", "c.function IN (SELECT id FROM functions WHERE module NOT LIKE @p0)")]
    [InlineData("file ~= 'a.py$'", "c.function IN (SELECT id FROM functions WHERE file REGEXP @p0)")]
    [InlineData("file matches 'a.py$'", "c.function IN (SELECT id FROM functions WHERE file REGEXP @p0)")]
    [InlineData("line >= 10", "c.function IN (SELECT id FROM functions WHERE line >= @p0)")]
    [InlineData("depth < 3", "c.depth < @p0")]
    [InlineData("depth <= 3", "c.depth <= @p0")]
    [InlineData("tid == 1", "c.tid = @p0")]
    [InlineData("pid > 1", "c.pid > @p0")]
    [InlineData("duration > 0.01", "(c.end_ns - c.start_ns) > @p0")]
    [InlineData("time > '12:01:02'", "c.start_ns >= @p0")]
    [InlineData("kind == 'call'", "c.kind = 0")]
    [InlineData("kind == 'resume'", "c.kind = 1")]
    [InlineData("kind == 'log'", "c.kind = 2")]
    [InlineData("kind != 'log'", "c.kind != 2")]
    [InlineData("value == '5'", "c.id IN (SELECT a.call FROM args a WHERE a.value = @p0)")]
    [InlineData("type == 'Cart'", "c.id IN (SELECT a.call FROM args a WHERE a.type IN (SELECT id FROM strings WHERE text = @p0))")]
    [InlineData("arg == 'exception'", "c.end_kind = 3")]
    [InlineData("arg == 'return value' and value == '24.0'", "(c.end_kind = 1 AND c.result = @p0)")]
    [InlineData("arg == 'exception' and type == 'KeyError'", "(c.end_kind = 3 AND c.result_type IN (SELECT id FROM strings WHERE text = @p0))")]
    public void CompilesEachOperator(string filter, string sql) =>
        Assert.Equal(sql, SqlCompiler.Compile(filter, Context).Sql);

    [Fact]
    public void ArgComparisonsJoinedByAndReferToOneArgument()
    {
        var compiled = SqlCompiler.Compile("func == 'f' and arg == 'x' and depth > 0 and value == '5'", Context);
        Assert.Equal("(c.function IN (SELECT id FROM functions WHERE name = @p0) AND (c.depth > @p1 AND " +
                     "c.id IN (SELECT a.call FROM args a WHERE (a.name IN (SELECT id FROM strings WHERE text = @p2) AND a.value = @p3))))", compiled.Sql);
        Assert.Equal(new object?[] { "f", 0.0, "x", "5" }, compiled.Parameters);
    }

    [Fact]
    public void NotNegatesTheWholeCallTest()
    {
        var sql = SqlCompiler.Compile("not (arg == 'x' and value == '5')", Context).Sql;
        Assert.Equal("NOT (c.id IN (SELECT a.call FROM args a WHERE (a.name IN (SELECT id FROM strings WHERE text = @p0) AND a.value = @p1)))", sql);
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
        var start = (new DateTime(2026, 11, 25, 12, 1, 2, DateTimeKind.Utc) - DateTime.UnixEpoch).Ticks * 100;
        Assert.Equal(new object?[] { start, start + 1_000_000_000 }, SqlCompiler.Compile("time == '12:01:02'", Context).Parameters);
        Assert.Equal(new object?[] { start + 123_456_000 }, SqlCompiler.Compile("time >= '2026/11/25 12:01:02.123456'", Context).Parameters);
        Assert.Equal(new object?[] { start + 124_000_000 }, SqlCompiler.Compile("time > '2026-11-25 12:01:02.123'", Context).Parameters);
    }

    [Theory]
    [InlineData("fnuc == 'x'", 0, 4, "unknown field 'fnuc' (fields: time, tid, pid, module, func, file, line, depth, duration, kind, arg, value, type)")]
    [InlineData("func < 'x'", 5, 1, "'<' does not apply to func; use == != ~= matches")]
    [InlineData("depth ~= '1'", 6, 2, "'~=' does not apply to depth; use == != < <= > >=")]
    [InlineData("depth == 'x'", 9, 3, "depth compares with a number, found 'x'")]
    [InlineData("func == 3", 8, 1, "func compares with a quoted string, found '3'")]
    [InlineData("kind == 'Log'", 8, 5, "unknown kind 'Log' (kinds: call, resume, log)")]
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
        var e = Assert.Throws<FilterException>(() => SqlCompiler.Compile(filter, Context));
        Assert.Equal((message, column, length), (e.Message, e.Column, e.Length));
        Assert.Equal(new string(' ', column) + new string('^', length), e.Caret);
    }

    [Theory]
    [InlineData("func == \"x' OR 1=1 --\"")]
    [InlineData("value == '5\\'; DROP TABLE calls; --'")]
    [InlineData("module ~= '.*' or arg == \"') OR ('1'='1\"")]
    public void LiteralsNeverReachTheSqlText(string filter)
    {
        var compiled = SqlCompiler.Compile(filter, Context);
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
