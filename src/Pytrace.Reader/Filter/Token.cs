namespace Pytrace.Reader.Filter;

public enum TokenKind { Ident, String, Number, Op, LParen, RParen, End }

/// <summary>A lexeme: TEXT is the decoded value (strings unquoted), START/LENGTH its place in the source.</summary>
public sealed record Token(TokenKind Kind, string Text, int Start, int Length)
{
    public bool Is(string keyword) => Kind == TokenKind.Ident && Text == keyword;
}
