using System.Globalization;

namespace Pytrace.Reader.Filter;

/// <summary>Recursive descent: or &lt; and &lt; not &lt; comparison/parentheses, as in Python.</summary>
public sealed class Parser
{
    /// <summary>Parentheses and `not`s inside one another.</summary>
    public const int MaxNesting = 100;

    /// <summary>Each comparison is one or two SQL parameters, and SQLite takes at most 32,766 in a statement.</summary>
    public const int MaxComparisons = 10_000;

    private readonly List<Token> _tokens;
    private int _next;
    private int _nesting;
    private int _comparisons;

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

    private Node ParseOr() => Chain("or", ParseAnd, (left, right) => new OrNode(left, right));

    private Node ParseAnd() => Chain("and", ParseNot, (left, right) => new AndNode(left, right));

    // `a or b or c ...` becomes a balanced tree, not a chain as deep as it is long: every walk of the tree, and
    // SQLite's limit of 1000 levels in an expression, then see log2(n) levels.
    private Node Chain(string keyword, Func<Node> operand, Func<Node, Node, Node> join)
    {
        var operands = new List<Node> { operand() };
        while (Peek.Is(keyword))
        {
            Take();
            operands.Add(operand());
        }
        return Balance(operands, 0, operands.Count, join);
    }

    private static Node Balance(List<Node> operands, int from, int count, Func<Node, Node, Node> join) => count == 1
        ? operands[from]
        : join(Balance(operands, from, count / 2, join), Balance(operands, from + count / 2, count - count / 2, join));

    private Node ParseNot()
    {
        if (!Peek.Is("not"))
            return ParsePrimary();
        Nest(Take());
        var node = new NotNode(ParseNot());
        _nesting--;
        return node;
    }

    // Recursion follows nesting: a limit keeps a hostile filter from exhausting the stack, which no catch survives.
    private void Nest(Token token)
    {
        if (++_nesting > MaxNesting)
            throw Error(token, $"nested too deeply: at most {MaxNesting} parentheses and 'not's inside one another");
    }

    private Node ParsePrimary()
    {
        var token = Take();
        if (token.Kind == TokenKind.LParen)
        {
            Nest(token);
            var inner = ParseOr();
            if (Peek.Kind != TokenKind.RParen)
                throw Error(Peek, $"expected ')' to close the '(' at column {token.Start + 1}, found {Describe(Peek)}");
            Take();
            _nesting--;
            return inner;
        }
        if (token.Kind != TokenKind.Ident || token.Text is "and" or "or")
            throw Error(token, $"expected a field, found {Describe(token)} (fields: {Field.Names})");
        var field = Field.Find(token.Text) ?? throw Error(token, $"unknown field '{token.Text}' (fields: {Field.Names})");
        if (++_comparisons > MaxComparisons)
            throw Error(token, $"too many comparisons: a filter has at most {MaxComparisons}");
        var op = Take();
        var opText = op.Kind == TokenKind.Op || op.Is("matches") ? op.Text : null;
        if (opText is null)
            throw Error(op, $"expected an operator after '{token.Text}' ({string.Join(" ", field.Operators)}), found {Describe(op)}");
        if (opText == "matches")
            opText = "~=";
        if (!field.Operators.Contains(opText))
            throw Error(op, $"'{op.Text}' does not apply to {token.Text}; use {string.Join(" ", field.Operators)}");
        var value = Take();
        return new Comparison(field, opText, CheckValue(field, token.Text, opText, value), token, value);
    }

    private static string CheckValue(Field field, string name, string op, Token value)
    {
        switch (field.Type)
        {
            case FieldType.Text when value.Kind == TokenKind.String && field.Choices is { } choices:
                if (!choices.Contains(value.Text))
                    throw Error(value, $"unknown {field.Name} {Describe(value)} ({field.Name}s: {string.Join(", ", choices)})");
                return value.Text;
            case FieldType.Text when value.Kind == TokenKind.String:
                if (op == "~=" && UserRegex.TryCompile(value.Text, out var why) is null)
                    throw Error(value, why);
                return value.Text;
            case FieldType.Text when value.Kind == TokenKind.Number && field.Name == "value":
                return value.Text;
            case FieldType.Text:
                throw Error(value, $"{field.Name} compares with a quoted string, found {Describe(value)}");
            case FieldType.Value when value.Kind == TokenKind.Number:
                if (!double.TryParse(value.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                    throw Error(value, $"bad number {value.Text}");
                return value.Text;
            case FieldType.Value when value.Kind == TokenKind.String && op is "<" or "<=" or ">" or ">=":
                throw Error(value, $"'{op}' compares {name} with a number, found {Describe(value)}");
            case FieldType.Value when value.Kind == TokenKind.String:
                if (op == "~=" && UserRegex.TryCompile(value.Text, out var valueWhy) is null)
                    throw Error(value, valueWhy);
                return value.Text;
            case FieldType.Value:
                throw Error(value, $"{name} compares with a quoted string or a number, found {Describe(value)}");
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

    private static string Describe(Token token) => token.Kind switch
    {
        TokenKind.End => "the end of the filter",
        TokenKind.String => $"'{token.Text}'",
        _ => $"'{token.Text}'",
    };

    private static FilterException Error(Token token, string message) => new(message, token.Start, token.Length);
}
