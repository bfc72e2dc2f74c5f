using Pytrace.Reader.Data;
using Pytrace.Reader.Filter;
using Pytrace.Reader.Tests.Support;

namespace Pytrace.Reader.Tests;

public sealed class CorrectionTests : IDisposable
{
    private readonly TempDb _db = new();
    private readonly TraceDb _trace;
    private readonly ValueSource _values;
    private readonly FilterContext _context;

    public CorrectionTests()
    {
        Shop.Write(_db.Path, more: b =>
        {
            b.Leaf("shop", "Checkout", "int", "1");
            b.Leaf("shop", "parse", "int", "1", ("name", "str", "'Alice'"));
            b.Leaf("shop", "pause", "int", "1");
        });
        _trace = TraceDb.Open(_db.Path);
        _values = new ValueSource(_trace);
        _context = new FilterContext(new DateOnly(2026, 11, 25), TimeZoneInfo.Local, new Catalog(_trace));
    }

    public void Dispose()
    {
        _trace.Dispose();
        _db.Dispose();
    }

    private Correction? Correct(string filter) => Corrector.Correct(SqlCompiler.Compile(filter, _context), _values, _context);

    [Theory]
    [InlineData("func == 'chekout'", "func == 'checkout'", "no func 'chekout' — showing func == 'checkout'")]
    [InlineData("func == 'CHECKOUT_FAST'", "func == 'checkout_fast'", "no func 'CHECKOUT_FAST' — showing func == 'checkout_fast'")]
    [InlineData("func == 'help'", "func == 'helper'", "no func 'help' — showing func == 'helper'")]
    [InlineData("module == 'shp' and depth == 0", "module == 'shop' and depth == 0", "no module 'shp' — showing module == 'shop'")]
    [InlineData("arg == 'usr'", "arg == 'user'", "no arg 'usr' — showing arg == 'user'")]
    [InlineData("type == 'Crat'", "type == 'Cart'", "no type 'Crat' — showing type == 'Cart'")]
    [InlineData("arg == 'name' and value == \"'alice'\"", "arg == 'name' and value == '\\'Alice\\''", "no value ''alice'' — showing value == '\\'Alice\\''")]
    public void AppliesTheNearestExistingValue(string filter, string corrected, string message)
    {
        var correction = Correct(filter)!;
        Assert.Equal((corrected, message), (correction.Filter?.Source, correction.Message));
    }

    [Fact]
    public void ListsCandidatesWhenAmbiguous()
    {
        var correction = Correct("func == 'pase'")!;
        Assert.Null(correction.Filter);
        Assert.Equal("no func 'pase' — did you mean 'parse', 'pause'?", correction.Message);
    }

    [Fact]
    public void SaysSoWhenNothingIsClose()
    {
        Assert.Equal("no func 'zzz'", Correct("func == 'zzz'")!.Message);
        Assert.Equal("no arg 'str'", Correct("arg == 'str'")!.Message);
        Assert.Equal("no module matches 'xml%'", Correct("module == 'xml%'")!.Message);
        Assert.Null(Correct("func == 'checkout' and depth == 7"));
    }

    [Fact]
    public void SimilarityPrefersCaseThenPrefixThenEdits()
    {
        Assert.True(Similarity.Score("Checkout", "checkout") < Similarity.Score("check", "checkout"));
        Assert.True(Similarity.Score("check", "checkout") < Similarity.Score("chekout", "checkout"));
        Assert.Null(Similarity.Score("abc", "xyz"));
        Assert.Equal(2, Similarity.Levenshtein("kitten", "sittin"));
        Assert.Equal(1, Similarity.Levenshtein("Crat", "Cart"));
    }

    [Theory]
    [InlineData("", 0, "time,tid,pid,thread,module,func,file,line,depth,duration,kind,arg,value,type,return,args.,not")]
    [InlineData("d", 0, "depth,duration")]
    [InlineData("depth ", 6, "==,!=,<,<=,>,>=")]
    [InlineData("func == 'pa", 8, "'parse','pause','pay'")]
    [InlineData("(module == 'shop') ", 19, "and,or")]
    [InlineData("not mod", 4, "module")]
    [InlineData("arg == 'ex", 7, "'exception'")]
    [InlineData("depth == 1", 10, "")]
    public void CompletesFromContext(string text, int from, string candidates)
    {
        var (at, list) = Completer.Complete(text, _values);
        Assert.Equal((from, candidates), (at, string.Join(",", list)));
    }
}
