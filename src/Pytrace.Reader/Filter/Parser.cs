using System.Globalization;

namespace Pytrace.Reader.Filter;

/// <summary>Recursive descent: or &lt; and &lt; not &lt; comparison/parentheses, as in Python.</summary>
public sealed class Parser
{
    private readonly List<Token> _tokens;
    private int _next;

    private Parser(List<Token> tokens) => _tokens = tokens;

    public static Node Parse(string source)
    {
        var parser = new Parser(Lexer.Tokenize(source));
        if (parser.Peek.Kind == TokenKind.End)
            throw new FilterException("empty filter", 0, 1);
        var node = parser.ParseOr();
        if (parser.Peek.Kind != TokenKind.End)
            throw Error(parser.Peek, parser.Peek.Kind == TokenKind.RParen ? "')' without '('" : $"expected 'and', 'or' or the end, found {Describe(parser.Peek)}");
        return node;
    }

    private Token Peek => _tokens[_next];

    private Token Take() => _tokens[_next++];

    private Node ParseOr()
    {
        var node = ParseAnd();
        while (Peek.Is("or"))
        {
            Take();
            node = new OrNode(node, ParseAnd());
        }
        return node;
    }

    private Node ParseAnd()
    {
        var node = ParseNot();
        while (Peek.Is("and"))
        {
            Take();
            node = new AndNode(node, ParseNot());
        }
        return node;
    }

    private Node ParseNot()
    {
        if (!Peek.Is("not"))
            return ParsePrimary();
        Take();
        return new NotNode(ParseNot());
    }

    private Node ParsePrimary()
    {
        var token = Take();
        if (token.Kind == TokenKind.LParen)
        {
            var inner = ParseOr();
            if (Peek.Kind != TokenKind.RParen)
                throw Error(Peek, $"expected ')' to close the '(' at column {token.Start + 1}, found {Describe(Peek)}");
            Take();
            return inner;
        }
        if (token.Kind != TokenKind.Ident || token.Text is "and" or "or")
            throw Error(token, $"expected a field, found {Describe(token)} (fields: {Field.Names})");
        var field = Field.Find(token.Text) ?? throw Error(token, $"unknown field '{token.Text}' (fields: {Field.Names})");
        var op = Take();
        var opText = op.Kind == TokenKind.Op || op.Is("matches") ? op.Text : null;
        if (opText is null)
            throw Error(op, $"expected an operator after '{field.Name}' ({string.Join(" ", field.Operators)}), found {Describe(op)}");
        if (opText == "matches")
            opText = "~=";
        if (!field.Operators.Contains(opText))
            throw Error(op, $"'{op.Text}' does not apply to {field.Name}; use {string.Join(" ", field.Operators)}");
        var value = Take();
        return new Comparison(field, opText, CheckValue(field, opText, value), token, value);
    }

    private static string CheckValue(Field field, string op, Token value)
    {
        switch (field.Type)
        {
            case FieldType.Text when value.Kind == TokenKind.String && field.Choices is { } choices:
                if (!choices.Contains(value.Text))
                    throw Error(value, $"unknown {field.Name} {Describe(value)} ({field.Name}s: {string.Join(", ", choices)})");
                return value.Text;
            case FieldType.Text when value.Kind == TokenKind.String:
                if (op == "~=" && !IsRegex(value.Text, out var why))
                    throw Error(value, $"bad regular expression: {why}");
                return value.Text;
            case FieldType.Text when value.Kind == TokenKind.Number && field.Name == "value":
                return value.Text;
            case FieldType.Text:
                throw Error(value, $"{field.Name} compares with a quoted string, found {Describe(value)}");
            case FieldType.Number when value.Kind == TokenKind.Number:
                if (!double.TryParse(value.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                    throw Error(value, $"bad number {value.Text}");
                return value.Text;
            case FieldType.Number:
                throw Error(value, $"{field.Name} compares with a number, found {Describe(value)}");
            default:
                if (value.Kind != TokenKind.String)
                    throw Error(value, $"time compares with a quoted time like '12:01:02' or '2026/11/25 12:01:02', found {Describe(value)}");
                return value.Text;
        }
    }

    private static bool IsRegex(string pattern, out string why)
    {
        try
        {
            _ = new System.Text.RegularExpressions.Regex(pattern);
            why = "";
            return true;
        }
        catch (ArgumentException e)
        {
            why = e.Message;
            return false;
        }
    }

    private static string Describe(Token token) => token.Kind switch
    {
        TokenKind.End => "the end of the filter",
        TokenKind.String => $"'{token.Text}'",
        _ => $"'{token.Text}'",
    };

    private static FilterException Error(Token token, string message) => new(message, token.Start, token.Length);
}
