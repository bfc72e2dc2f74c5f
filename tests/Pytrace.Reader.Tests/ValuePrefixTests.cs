using Pytrace.Reader.Data;
using Pytrace.Reader.Filter;
using Pytrace.Reader.Tests.Support;

namespace Pytrace.Reader.Tests;

/// <summary>
/// vals is indexed on its texts' first 16 characters only: value filters and completion must still find exactly the
/// texts they name when values share those characters, when a wildcard's literal part is longer than them, and when
/// characters take several UTF-8 bytes or two UTF-16 units, and SQLite must answer them from that index.
/// </summary>
public sealed class ValuePrefixTests : IDisposable
{
    private static readonly (string Type, string Text)[] Values =
    [
        ("Cart", "<app.models.Cart object at 0x7f0000000001>"),   // call 1
        ("Cart", "<app.models.Cart object at 0x7f0000000002>"),   // 2
        ("str", "'café au lait'"),                                // 3
        ("str", "'caféine'"),                                     // 4
        ("str", "'日本語テキストの値です、長い文字列の例'"),        // 5
        ("str", "'日本語テキストの値です、長い文字列の別'"),        // 6
        ("str", "'🐍 python 🐍 snake 🐍 and more 🐍'"),           // 7
        ("Tok", "Tokey"),                                         // 8
        ("Tok", "Tokf"),                                          // 9
        ("str", "'ann'"),                                         // 10
    ];

    private readonly TempDb _db = new();

    public ValuePrefixTests()
    {
        using var b = new TraceBuilder(_db.Path);
        b.Thread(4321, 1, "MainThread");
        foreach (var (type, text) in Values)
            b.Leaf("app", "take", "NoneType", "None", ("x", type, text));
        b.EndRun(0);
    }

    public void Dispose() => _db.Dispose();

    private string Ids(string filter) => string.Join(",", MatchingIds.Of(_db.Path, filter));

    [Theory]
    [InlineData("value == '<app.models.Cart object at 0x7f0000000002>'", "2")]
    [InlineData("value == '<app.models.Cart object at 0x7f00%'", "1,2")]
    [InlineData("value == '<app.models.Cart object at 0x7f%01>'", "1")]
    [InlineData("value == '<app.models.Cart%'", "1,2")]
    [InlineData("value == 'café au lait'", "3")]
    [InlineData("value == \"'caf%\"", "3,4")]
    [InlineData("value == \"'café%\"", "3,4")]
    [InlineData("value == \"'cafe%\"", "")]
    [InlineData("value == '日本語テキストの値です、長い文字列の別'", "6")]
    [InlineData("value == \"'日本語テキストの値です、長い文字列の%\"", "5,6")]
    [InlineData("value == \"'日本語テキストの値です、長い文字列の例%\"", "5")]
    [InlineData("value == \"'🐍 python 🐍 snake%\"", "7")]
    [InlineData("value == '🐍 python 🐍 snake 🐍 and more 🐍'", "7")]
    [InlineData("value == 'Toke%'", "8")]
    [InlineData("value == 'Tokf%'", "9")]
    [InlineData("value == 'Tok%'", "8,9")]
    [InlineData("value == 'ann'", "10")]
    [InlineData("value == \"%ine'\"", "4")]
    public void AValueFilterFindsExactlyTheTextsItNames(string filter, string ids) => Assert.Equal(ids, Ids(filter));

    [Theory]
    [InlineData("'caf", "'café au lait','caféine'")]
    [InlineData("<app.models.Cart object at 0x7f00000000", "<app.models.Cart object at 0x7f0000000001>,<app.models.Cart object at 0x7f0000000002>")]
    [InlineData("'日本語テキストの値です、長い文字列の", "'日本語テキストの値です、長い文字列の例','日本語テキストの値です、長い文字列の別'")]
    [InlineData("Tok", "Tokey,Tokf")]
    public void CompletionListsTheValuesWithThePrefixInOrder(string prefix, string values)
    {
        using var db = TraceDb.Open(_db.Path);
        var found = new ValueSource(db).WithPrefix("value", prefix);
        Assert.Equal(values, string.Join(",", found));
    }

    [Fact]
    public void ValueLookupsAreAnsweredFromTheIndex()
    {
        using var db = TraceDb.Open(_db.Path);
        var parameters = new SqlParameters();
        var exact = ValueLookup.In("v.text", parameters.Add("'ann'"), parameters.Add("ann"));
        var like = ValueLookup.Match("v.text", parameters.Add("'caf%"), "'caf%", true, v => parameters.Add(v));
        foreach (var condition in new[] { exact, like, ValueLookup.From("v.text", parameters.Add("Tok")) })
        {
            using var plan = db.Command($"EXPLAIN QUERY PLAN SELECT v.id FROM vals v WHERE {condition}", parameters.Values);
            var steps = new List<string>();
            while (plan.Read())
                steps.Add(plan.Text(3));
            Assert.Contains(steps, s => s.Contains("USING INDEX vals_prefix"));
        }
    }
}
