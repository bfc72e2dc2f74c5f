namespace Pytrace.Reader.Filter;

/// <summary>Tab completion of a filter being typed: fields, operators, keywords, and values from the database.</summary>
public static class Completer
{
    private static readonly string[] Joiners = ["and", "or"];

    /// <summary>Candidates to replace TEXT[FROM..] with; empty when nothing fits.</summary>
    public static (int From, List<string> Candidates) Complete(string text, ValueSource? values)
    {
        List<Token> tokens;
        try { tokens = Lexer.Tokenize(text, tolerant: true); }
        catch (FilterException) { return (text.Length, []); }
        tokens.RemoveAt(tokens.Count - 1);
        var typing = tokens.Count > 0 && tokens[^1].Start + tokens[^1].Length == text.Length && !char.IsWhiteSpace(text[^1]);
        var last = typing ? tokens[^1] : null;
        var before = typing ? tokens.SkipLast(1).LastOrDefault() : tokens.LastOrDefault();
        var beforeThat = tokens.Count >= (typing ? 3 : 2) ? tokens[tokens.Count - (typing ? 3 : 2)] : null;

        if (last is { Kind: TokenKind.String } && IsOpen(text, last))
            return (last.Start, Values(beforeThat, last.Text, values));
        if (last is not null && last.Kind != TokenKind.Ident)
            return (text.Length, []);
        var prefix = last?.Text ?? "";
        var from = last?.Start ?? text.Length;
        IEnumerable<string> words = before switch
        {
            null or { Kind: TokenKind.LParen } => Field.All.Select(f => f.Name).Append(Field.ArgsPrefix).Append("not"),
            { Kind: TokenKind.Ident } when before.Is("and") || before.Is("or") || before.Is("not") =>
                Field.All.Select(f => f.Name).Append(Field.ArgsPrefix).Append("not"),
            { Kind: TokenKind.Ident } when Field.Find(before.Text) is { } field => field.Operators,
            { Kind: TokenKind.Op } when !typing && beforeThat is not null && Field.Find(beforeThat.Text) is { Type: FieldType.Text } =>
                Values(beforeThat, "", values),
            { Kind: TokenKind.String or TokenKind.Number or TokenKind.RParen } => Joiners,
            _ => [],
        };
        return (from, words.Where(w => w.StartsWith(prefix, StringComparison.Ordinal)).ToList());
    }

    private static List<string> Values(Token? fieldToken, string prefix, ValueSource? values) =>
        fieldToken is not null && Field.Find(fieldToken.Text) is { Type: FieldType.Text } field && values is not null
            ? values.WithPrefix(field.Name, prefix).Select(SqlCompiler.Quote).Distinct().ToList()
            : [];

    private static bool IsOpen(string text, Token token) =>
        token.Length < 2 || text[token.Start + token.Length - 1] != text[token.Start] || text[token.Start + token.Length - 2] == '\\';

    /// <summary>The longest prefix all candidates share.</summary>
    public static string CommonPrefix(IReadOnlyList<string> candidates)
    {
        if (candidates.Count == 0)
            return "";
        var prefix = candidates[0];
        foreach (var c in candidates.Skip(1))
        {
            var n = 0;
            while (n < prefix.Length && n < c.Length && prefix[n] == c[n])
                n++;
            prefix = prefix[..n];
        }
        return prefix;
    }
}
