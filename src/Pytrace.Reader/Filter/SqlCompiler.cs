using System.Globalization;
using System.Text;
using Pytrace.Reader.Data;

namespace Pytrace.Reader.Filter;

/// <summary>
/// Turns a filter tree into a parameterized SQL condition over <c>calls c</c>. Names, values and types are looked up
/// first in the small tables (through the <see cref="Catalog"/>) and enter the condition as id lists, so that a scan
/// of calls compares integers and searches argument blobs instead of joining. Literals only ever travel as
/// parameters. Comparisons of arg/value/type joined by `and` become one test over a single argument.
/// </summary>
public sealed partial class SqlCompiler
{
    public const string ReturnValue = "return value", Exception = "exception";

    private readonly FilterContext _context;
    private readonly SqlParameters _parameters = new();

    private SqlCompiler(FilterContext context) => _context = context;

    public static CompiledFilter Compile(string source, FilterContext context) => Compile(source, Parser.Parse(source), context);

    public static CompiledFilter Compile(string source, Node tree, FilterContext context)
    {
        var compiler = new SqlCompiler(context);
        var sql = compiler.Call(tree);
        return new CompiledFilter(source, tree, sql, compiler._parameters.Values);
    }

    private string Param(object? value) => _parameters.Add(value);

    // A call-level test.
    private string Call(Node node) => node switch
    {
        OrNode o => $"({Call(o.Left)} OR {Call(o.Right)})",
        NotNode n => $"NOT ({Call(n.Operand)})",
        AndNode a => And(a),
        Comparison c when c.Field.ArgLike => ArgGroup([c]),
        Comparison c when c.Field.Type == FieldType.Value => NamedValue(c),
        Comparison c => Scalar(c),
        _ => throw new InvalidOperationException(node.GetType().Name),
    };

    private string And(AndNode node)
    {
        var conjuncts = new List<Node>();
        Flatten(node, conjuncts);
        var argParts = conjuncts.Where(Comparison.IsArgOnly).ToList();
        // Call-level tests first: they compare columns, the argument test after them reads the args array.
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

    private string Scalar(Comparison c) => c.Field.Name switch
    {
        "module" or "func" or "file" =>
            In("c.function", Lookup(q => $"SELECT id FROM functions WHERE {Text(c.Field.Name == "func" ? "name" : c.Field.Name, c, q)}")),
        "line" => In("c.function", Lookup(q => $"SELECT id FROM functions WHERE line {SqlOp(c.Op)} {q.Add(Number(c))}")),
        "tid" or "pid" => In("c.thread", Lookup(q => $"SELECT id FROM threads WHERE {c.Field.Name} {SqlOp(c.Op)} {q.Add(Number(c))}")),
        "thread" => In("c.thread", Lookup(q => $"SELECT id FROM threads WHERE {Text("name", c, q)}")),
        "depth" => $"c.depth {SqlOp(c.Op)} {Param(Number(c))}",
        // The value is one of the field's choices (the parser checked), so its number is not user text.
        "kind" => $"c.kind {SqlOp(c.Op)} {CallKinds.Value(c.Value)}",
        "duration" => $"c.duration {SqlOp(c.Op)} {Param((long)Math.Round(Number(c) * 1e9))}",
        "time" => Time(c),
        _ => throw new InvalidOperationException(c.Field.Name),
    };

    // The ids a query on a small table returns; SQL builds the query text, adding its literals to the parameters given.
    private List<long> Lookup(Func<SqlParameters, string> sql)
    {
        var parameters = new SqlParameters();
        var text = sql(parameters);
        return _context.Catalog.Ids(text, parameters.Values).Order().ToList();
    }

    private static string In(string column, IEnumerable<long> ids) => $"{column} IN ({List(ids)})";

    private static string List(IEnumerable<long> ids) => string.Join(",", ids.Select(id => id.ToString(CultureInfo.InvariantCulture)));

    private static string Text(string column, Comparison c, SqlParameters parameters)
    {
        if (c.Op == "~=") return $"{column} REGEXP {parameters.Add(c.Value)}";
        return TextMatch.Sql(column, parameters.Add(TextMatch.Parameter(c.Value)), c.Value, c.Op == "==");
    }

    // A time literal names an interval as wide as its precision: time == '12:01:02' is that whole second.
    private string Time(Comparison c)
    {
        if (!TimeLiteral.TryParse(c.Value, _context.Day, _context.Zone, out var startNs, out var width))
            throw new FilterException($"bad time '{c.Value}': use 'YYYY/MM/DD HH:MM:SS[.ffffff]' or 'HH:MM:SS[.ffffff]' (local time)",
                c.ValueToken.Start, c.ValueToken.Length);
        long start = startNs - _context.Catalog.EpochNs;
        return c.Op switch
        {
            "==" => $"(c.start >= {Param(start)} AND c.start < {Param(start + width)})",
            "!=" => $"(c.start < {Param(start)} OR c.start >= {Param(start + width)})",
            "<" => $"c.start < {Param(start)}",
            "<=" => $"c.start < {Param(start + width)}",
            ">" => $"c.start >= {Param(start + width)}",
            _ => $"c.start >= {Param(start)}",
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
