using Pytrace.Reader.Filter;

namespace Pytrace.Reader.Tests;

/// <summary>The repr of a str, as CPython 3 writes it (each expectation printed by python3 -c "print(repr(s))").</summary>
public sealed class PythonReprTests
{
    [Theory]
    [InlineData("ann", "'ann'")]
    [InlineData("it's", "\"it's\"")]
    [InlineData("say \"hi\"", "'say \"hi\"'")]
    [InlineData("both ' and \"", "'both \\' and \"'")]
    [InlineData("tab\t", "'tab\\t'")]
    [InlineData("\u0001", "'\\x01'")]
    [InlineData("é", "'é'")]
    [InlineData("\u2028", "'\\u2028'")]
    [InlineData("back\\slash", "'back\\\\slash'")]
    [InlineData("\u007f", "'\\x7f'")]
    [InlineData("\u00a0", "'\\xa0'")]
    [InlineData("日本", "'日本'")]
    public void WritesWhatPythonWrites(string text, string repr) => Assert.Equal(repr, PythonRepr.Of(text));
}
