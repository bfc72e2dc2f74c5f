using System.Text;

namespace Pytrace.Reader.Filter;

/// <summary>Splits a filter into tokens; Python-like quoting ('...' or "..." with backslash escapes).</summary>
public static class Lexer
{
    private static readonly string[] Operators = ["==", "!=", "<=", ">=", "~=", "<", ">"];

    /// <summary>Tokens of SOURCE ending with End. With TOLERANT, an unclosed string is returned instead of an error.</summary>
    public static List<Token> Tokenize(string source, bool tolerant = false)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (true)
        {
            while (i < source.Length && char.IsWhiteSpace(source[i]))
                i++;
            if (i >= source.Length)
            {
                tokens.Add(new Token(TokenKind.End, "", source.Length, 0));
                return tokens;
            }
            var c = source[i];
            if (c == '(' || c == ')')
            {
                tokens.Add(new Token(c == '(' ? TokenKind.LParen : TokenKind.RParen, c.ToString(), i, 1));
                i++;
            }
            else if (c is '\'' or '"')
            {
                var (text, end, closed) = ReadString(source, i);
                if (!closed && !tolerant)
                    throw new FilterException("unclosed quote", i, source.Length - i);
                tokens.Add(new Token(TokenKind.String, text, i, end - i));
                i = end;
            }
            else if (char.IsDigit(c) || (c is '-' or '.' && i + 1 < source.Length && char.IsDigit(source[i + 1])))
            {
                var start = i++;
                while (i < source.Length && (char.IsDigit(source[i]) || source[i] is '.' or 'e' or 'E' or '_'))
                    i++;
                tokens.Add(new Token(TokenKind.Number, source[start..i].Replace("_", ""), start, i - start));
            }
            else if (char.IsLetter(c) || c == '_')
            {
                var start = i;
                // a dot joins names: args.user
                while (i < source.Length && (char.IsLetterOrDigit(source[i]) || source[i] is '_' or '.'))
                    i++;
                tokens.Add(new Token(TokenKind.Ident, source[start..i], start, i - start));
            }
            else if (Operators.FirstOrDefault(op => string.CompareOrdinal(source, i, op, 0, op.Length) == 0) is { } op)
            {
                tokens.Add(new Token(TokenKind.Op, op, i, op.Length));
                i += op.Length;
            }
            else if (c == '=')
                throw new FilterException("'=' is not an operator: use '==' to compare", i, 1);
            else
                throw new FilterException($"unexpected '{c}'", i, 1);
        }
    }

    private static (string Text, int End, bool Closed) ReadString(string source, int start)
    {
        var quote = source[start];
        var text = new StringBuilder();
        var i = start + 1;
        while (i < source.Length)
        {
            var c = source[i];
            if (c == quote)
                return (text.ToString(), i + 1, true);
            if (c == '\\' && i + 1 < source.Length)
            {
                // As in a Python string: a backslash that escapes nothing stays, so a regex keeps `\.` and `\d`.
                var next = source[++i];
                switch (next)
                {
                    case 'n': text.Append('\n'); break;
                    case 't': text.Append('\t'); break;
                    case 'r': text.Append('\r'); break;
                    case '\\' or '\'' or '"': text.Append(next); break;
                    default: text.Append('\\').Append(next); break;
                }
            }
            else
                text.Append(c);
            i++;
        }
        return (text.ToString(), source.Length, false);
    }
}
