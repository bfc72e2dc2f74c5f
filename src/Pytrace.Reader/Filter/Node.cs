namespace Pytrace.Reader.Filter;

/// <summary>Filter syntax tree.</summary>
public abstract record Node;

public sealed record OrNode(Node Left, Node Right) : Node;

public sealed record AndNode(Node Left, Node Right) : Node;

public sealed record NotNode(Node Operand) : Node;

/// <summary>FIELD OP VALUE; VALUE is a string or a number text, TOKEN its source place (for errors, corrections).</summary>
public sealed record Comparison(Field Field, string Op, string Value, Token FieldToken, Token ValueToken) : Node
{
    /// <summary>Only arg/value/type below: such a subtree describes one argument.</summary>
    public static bool IsArgOnly(Node node) => node switch
    {
        Comparison c => c.Field.ArgLike,
        AndNode a => IsArgOnly(a.Left) && IsArgOnly(a.Right),
        OrNode o => IsArgOnly(o.Left) && IsArgOnly(o.Right),
        _ => false,
    };
}
