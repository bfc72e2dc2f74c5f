using System.Globalization;
using System.Text;
using Pytrace.Reader.Data;

namespace Pytrace.Reader.Filter;

/// <summary>
/// Turns a filter tree into a parameterized SQL condition. Literals only ever travel as parameters.
/// Comparisons of arg/value/type joined by `and` become one test over a single argument row.
/// </summary>
public sealed class SqlCompiler
{
    public const string ReturnValue = "return value", Exception = "exception";

    private readonly FilterContext _context;
    private readonly List<object?> _parameters = [];

    private SqlCompiler(FilterContext context) => _context = context;

    public static CompiledFilter Compile(string source, FilterContext context) => Compile(source, Parser.Parse(source), context);

    public static CompiledFilter Compile(string source, Node tree, FilterContext context)
    {
        var compiler = new SqlCompiler(context);
        var sql = compiler.Call(tree);
        return new CompiledFilter(source, tree, sql, compiler._parameters);
    }

    private string Param(object? value)
    {
        _parameters.Add(value);
        return "@p" + (_parameters.Count - 1);
    }

    // A call-level test.
    private string Call(Node node) => node switch
    {
        OrNode o => $"({Call(o.Left)} OR {Call(o.Right)})",
        NotNode n => $"NOT ({Call(n.Operand)})",
        AndNode a => And(a),
        Comparison c when c.Field.ArgLike => ArgGroup([c]),
        Comparison c => Scalar(c),
        _ => throw new InvalidOperationException(node.GetType().Name),
    };

    private string And(AndNode node)
    {
        var conjuncts = new List<Node>();
        Flatten(node, conjuncts);
        var argParts = conjuncts.Where(Comparison.IsArgOnly).ToList();
        var parts = conjuncts.Where(n => !Comparison.IsArgOnly(n)).Select(Call).ToList();
        if (argParts.Count > 0)
            parts.Add(ArgGroup(argParts));
        return Join("AND", parts);
    }

    // Balanced, as the parser builds and/or trees: SQLite parses `a AND b AND c ...` as a chain as deep as it is
    // long, and refuses expressions deeper than 1000.
    private static string Join(string op, List<string> parts) => parts.Count == 1
        ? parts[0]
        : $"({Join(op, parts[..(parts.Count / 2)])} {op} {Join(op, parts[(parts.Count / 2)..])})";

    private static void Flatten(Node node, List<Node> into)
    {
        if (node is AndNode a)
        {
            Flatten(a.Left, into);
            Flatten(a.Right, into);
        }
        else
            into.Add(node);
    }

    // One argument satisfies every conjunct; `arg == 'return value'|'exception'` retargets them to the result.
    private string ArgGroup(List<Node> conjuncts)
    {
        var pseudo = conjuncts.OfType<Comparison>()
            .FirstOrDefault(c => c.Field.Name == "arg" && c.Op == "==" && c.Value is ReturnValue or Exception);
        if (pseudo is not null)
        {
            var endKind = pseudo.Value == ReturnValue ? Pytrace.Storage.Schema.EndKind.Return : Pytrace.Storage.Schema.EndKind.Exception;
            var tests = conjuncts.Where(n => n != pseudo).Select(n => Arg(n, pseudo.Value));
            return Join("AND", tests.Prepend($"c.end_kind = {endKind}").ToList());
        }
        return "c.id IN (SELECT a.call FROM args a WHERE " + Join("AND", conjuncts.Select(n => Arg(n, null)).ToList()) + ")";
    }

    // An argument-level test; RESULT names the pseudo-argument when the group is about the return value/exception.
    private string Arg(Node node, string? result) => node switch
    {
        AndNode a => $"({Arg(a.Left, result)} AND {Arg(a.Right, result)})",
        OrNode o => $"({Arg(o.Left, result)} OR {Arg(o.Right, result)})",
        Comparison { Field.Name: "arg" } c when result is not null => Text(Param(result), c),
        Comparison { Field.Name: "arg" } c => $"a.name IN (SELECT id FROM strings WHERE {Text("text", c)})",
        Comparison { Field.Name: "type" } c => $"{(result is null ? "a.type" : "c.result_type")} IN (SELECT id FROM strings WHERE {Text("text", c)})",
        Comparison { Field.Name: "value" } c => Text(result is null ? "a.value" : "c.result", c),
        _ => throw new InvalidOperationException(node.ToString()),
    };

    private string Scalar(Comparison c) => c.Field.Name switch
    {
        "module" or "func" or "file" =>
            $"c.function IN (SELECT id FROM functions WHERE {Text(c.Field.Name == "func" ? "name" : c.Field.Name, c)})",
        "line" => $"c.function IN (SELECT id FROM functions WHERE line {SqlOp(c.Op)} {Param(Number(c))})",
        "tid" or "pid" or "depth" => $"c.{c.Field.Name} {SqlOp(c.Op)} {Param(Number(c))}",
        // The value is one of the field's choices (the parser checked), so its number is not user text.
        "kind" => $"c.kind {SqlOp(c.Op)} {CallKinds.Value(c.Value)}",
        "duration" => $"(c.end_ns - c.start_ns) {SqlOp(c.Op)} {Param((long)Math.Round(Number(c) * 1e9))}",
        "time" => Time(c),
        _ => throw new InvalidOperationException(c.Field.Name),
    };

    private string Text(string column, Comparison c)
    {
        var wildcard = c.Value.AsSpan().IndexOfAny('%', '_') >= 0;
        var op = c.Op switch
        {
            "~=" => "REGEXP",
            "==" => wildcard ? "LIKE" : "=",
            _ => wildcard ? "NOT LIKE" : "!=",
        };
        return $"{column} {op} {Param(c.Value)}";
    }

    // A time literal names an interval as wide as its precision: time == '12:01:02' is that whole second.
    private string Time(Comparison c)
    {
        if (!TimeLiteral.TryParse(c.Value, _context.Day, _context.Zone, out var start, out var width))
            throw new FilterException($"bad time '{c.Value}': use 'YYYY/MM/DD HH:MM:SS[.ffffff]' or 'HH:MM:SS[.ffffff]' (local time)",
                c.ValueToken.Start, c.ValueToken.Length);
        return c.Op switch
        {
            "==" => $"(c.start_ns >= {Param(start)} AND c.start_ns < {Param(start + width)})",
            "!=" => $"(c.start_ns < {Param(start)} OR c.start_ns >= {Param(start + width)})",
            "<" => $"c.start_ns < {Param(start)}",
            "<=" => $"c.start_ns < {Param(start + width)}",
            ">" => $"c.start_ns >= {Param(start + width)}",
            _ => $"c.start_ns >= {Param(start)}",
        };
    }

    private static double Number(Comparison c) => double.Parse(c.Value, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static string SqlOp(string op) => op == "==" ? "=" : op;

    /// <summary>SOURCE with the given token spans replaced, for showing a corrected filter.</summary>
    public static string Replace(string source, IEnumerable<(Token Token, string Text)> replacements)
    {
        var result = new StringBuilder(source);
        foreach (var (token, text) in replacements.OrderByDescending(r => r.Token.Start))
            result.Remove(token.Start, token.Length).Insert(token.Start, Quote(text));
        return result.ToString();
    }

    public static string Quote(string text) => "'" + text.Replace("\\", "\\\\").Replace("'", "\\'") + "'";
}
