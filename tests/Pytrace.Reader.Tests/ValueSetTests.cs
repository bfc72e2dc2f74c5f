using Pytrace.Reader.Tests.Support;

namespace Pytrace.Reader.Tests;

/// <summary>
/// What the writer's bounded value cache produces: one value text with many vals rows, each call referring to
/// another. Every filter must treat a value as the set of its rows, however the compiler tests that set (a byte
/// search per id, a list per argument). Also arguments past the declared ones, named `?`.
/// </summary>
public sealed class ValueSetTests : IDisposable
{
    private readonly TempDb _db = new();

    public ValueSetTests()
    {
        using var b = new TraceBuilder(_db.Path) { InternValues = false };
        b.Thread(4321, 1, "MainThread");
        for (var i = 0; i < 12; i++)
        {
            b.Enter("shop", "order", ("user", "str", "'ann'"), ("qty", "int", (i % 3).ToString()));      // 1, 4, 7...
            b.Leaf("shop", "price", "float", "24.0", ("item", "str", "'ann'"));
            b.Leaf("shop", "tick", "NoneType", "None");
            b.Return("str", "'ann'");
        }
        b.Leaf("shop", "spread", "int", "3", ("first", "int", "1"), ("?", "int", "2"), ("?", "str", "'ann'"));   // 37
        b.EndRun(0);
    }

    public void Dispose() => _db.Dispose();

    private string Ids(string filter)
    {
        var ids = MatchingIds.Of(_db.Path, filter);
        return ids.Count > 6 ? $"{ids.Count} calls, {string.Join(",", ids.Take(3))}..." : string.Join(",", ids);
    }

    [Theory]
    [InlineData("value == \"'ann'\"", "25 calls, 1,2,4...")]
    [InlineData("arg == 'user' and value == \"'ann'\"", "12 calls, 1,4,7...")]
    [InlineData("arg == 'item' and value == \"'ann'\"", "12 calls, 2,5,8...")]
    [InlineData("arg == 'qty' and value == '2'", "7,16,25,34")]
    [InlineData("func == 'order' and not (arg == 'qty' and value == '2')", "8 calls, 1,4,10...")]
    [InlineData("not (value == \"'ann'\") and func != 'spread'", "12 calls, 3,6,9...")]
    [InlineData("arg == 'return value' and value == \"'ann'\"", "12 calls, 1,4,7...")]
    [InlineData("type == 'str' and value ~= 'an+'", "25 calls, 1,2,4...")]
    [InlineData("arg == '?'", "37")]
    [InlineData("arg == '?' and value == \"'ann'\"", "37")]
    [InlineData("arg == 'first' and value == '2'", "")]
    [InlineData("(arg == 'qty' or value == '1') and (arg == 'first' or value == '2')", "7,16,25,34,37")]
    public void AValueIsEveryRowWithItsText(string filter, string ids) => Assert.Equal(ids, Ids(filter));
}
