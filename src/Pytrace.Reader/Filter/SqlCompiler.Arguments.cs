using Pytrace.Storage;

namespace Pytrace.Reader.Filter;

/// <summary>
/// The argument side of the compiler. An argument is a position in <c>calls.args</c> (value ids) named by its
/// function's params; a test first resolves the names to (function, position) pairs and the values and types to
/// vals ids, then asks each call row only what those lists leave open.
/// </summary>
public sealed partial class SqlCompiler
{
    // A value with up to this many ids is looked for by a text search of the args array per id (instr, ~250 ns a
    // row each); more ids are compared per argument, which costs a json_each per row (~1.5 µs).
    private const int InstrIds = 4;
    // A value set up to this size is written into the SQL; a larger one is tested per argument against vals.
    private const int ListedIds = 5000;
    // A group that mixes names and values becomes an OR of at most this many single-argument tests, else one
    // generic test per argument.
    private const int MaxDisjuncts = 16;
    // Each row a regex is tried on is a call into .NET: above this many values a value regex is tried on the
    // arguments of the rows scanned (the cheaper tests first), not on all of vals before the scan.
    private const long RegexScanValues = 200_000;

    private abstract record ValueMatch;

    // Every vals row that matches.
    private sealed record ValueIds(List<long> Ids) : ValueMatch;

    // A condition over `vals v`, tested per argument.
    private sealed record ValueRows(string Condition) : ValueMatch;

    // One argument satisfies every conjunct; `arg == 'return value'|'exception'` retargets them to the result.
    private string ArgGroup(List<Node> conjuncts)
    {
        var pseudo = conjuncts.OfType<Comparison>()
            .FirstOrDefault(c => c.Field.Name == "arg" && c.Op == "==" && c.Value is ReturnValue or Exception);
        if (pseudo is not null)
            return ResultGroup(pseudo, conjuncts.Where(n => n != pseudo).ToList());
        var names = conjuncts.Where(n => Leaves(n).All(c => c.Field.Name == "arg")).ToList();
        var values = conjuncts.Where(n => Leaves(n).All(c => c.Field.Name != "arg")).ToList();
        string test;
        if (names.Count + values.Count == conjuncts.Count)
            test = OneArgument(names, values);
        else if (Disjuncts(conjuncts) is { } disjuncts)
            test = Join("OR", disjuncts.Select(d => OneArgument(d.Where(c => c.Field.Name == "arg").ToList<Node>(),
                d.Where(c => c.Field.Name != "arg").ToList<Node>())).ToList());
        else
            test = AnyArgumentGeneric(conjuncts);
        // A call without arguments has NULL args, where instr and ->> are NULL: `not` must see false there. (Not
        // coalesce: inside a function's argument AND no longer stops at its first false operand.)
        return $"({test}) IS TRUE";
    }

    // `value` compared as a number: what `args.NAME` and `return` become with a number on the right.
    private static readonly Field NumericValue = new("value", FieldType.Number, ArgLike: true);

    // `args.NAME OP V` is one argument named NAME (or *NAME, **NAME) whose value passes; `return OP V` the return
    // value. With a number, an int or float value is compared as a number (2 == 2.0, 10 < 11 < 100).
    private string NamedValue(Comparison c)
    {
        var value = c with { Field = c.ValueToken.Kind == TokenKind.Number ? NumericValue : Field.Find("value")! };
        var arg = Field.Find("arg")!;
        if (c.Field.Name == "return")
            return $"({ResultGroup(new Comparison(arg, "==", ReturnValue, c.FieldToken, c.FieldToken), [value])}) IS TRUE";
        string name = c.FieldToken.Text[Field.ArgsPrefix.Length..];
        Node Named(string text) => new Comparison(arg, "==", text, c.FieldToken, c.FieldToken);
        var names = new OrNode(Named(name), new OrNode(Named("*" + name), Named("**" + name)));
        return $"({OneArgument([names], [value])}) IS TRUE";
    }

    // An int or float whose number compares; cut ('123...') and summarized ('<int of ~5000 digits>') ints, inf and
    // nan never do.
    private string NumericLeaf(Comparison c, SqlParameters parameters)
    {
        var numeric = $"v.type IN ({List(Lookup(_ => "SELECT id FROM strings WHERE text IN ('int', 'float')"))}) " +
                      $"AND v.text GLOB '*[0-9]*' AND v.text NOT GLOB '*[.][.]*' AND v.text NOT GLOB '<*'";
        return c.Op == "!="
            ? $"NOT ({numeric} AND CAST(v.text AS REAL) = {parameters.Add(Number(c))})"
            : $"({numeric} AND CAST(v.text AS REAL) {SqlOp(c.Op)} {parameters.Add(Number(c))})";
    }

    // An argument whose name passes every one of NAMES and whose value every one of VALUES.
    private string OneArgument(List<Node> names, List<Node> values)
    {
        var match = values.Count == 0 ? null : Match(q => ValueCondition(values, q), HasValueRegex(values));
        if (names.Count == 0)
            return AnyArgument(match!);
        if (match is ValueIds { Ids.Count: 0 })
            return "0";
        var tests = Positions(names).ToList();
        if (tests.Count == 0)
            return "0";
        // The cheapest test first: the function id against a list, then a byte search, only then a position read.
        var parts = new List<string> { In("c.function", tests.SelectMany(t => t.Functions).Distinct().Order()) };
        if (match is ValueIds { Ids.Count: <= InstrIds })
            parts.Add(AnyArgument(match));
        parts.Add(tests.Count == 1
            ? Position(tests[0].Position, tests[0].Beyond, match)
            : Join("OR", tests.Select(t => $"({In("c.function", t.Functions)} AND {Position(t.Position, t.Beyond, match)})").ToList()));
        return Join("AND", parts);
    }

    // Where an argument passing NAMES can be: per position, the functions that declare such a name there; and when
    // `?` passes (the name of a position past the declared ones), every function from its number of params on.
    private IEnumerable<(long Position, bool Beyond, List<long> Functions)> Positions(List<Node> names)
    {
        var declared = new SqlParameters();
        var pairs = _context.Catalog.Rows(
            $"SELECT p.key, f.id FROM functions f, json_each(f.params) p WHERE {NameCondition(names, "p.value", declared)}", declared.Values);
        foreach (var group in pairs.GroupBy(r => r[0]).OrderBy(g => g.Key))
            yield return (group.Key, false, group.Select(r => r[1]).ToList());
        var undeclared = new SqlParameters();
        var name = undeclared.Add("?");
        if (_context.Catalog.Rows($"SELECT 1 WHERE {NameCondition(names, name, undeclared)}", undeclared.Values).Count == 0)
            yield break;
        foreach (var group in _context.Catalog.Rows("SELECT json_array_length(params), id FROM functions", []).GroupBy(r => r[0]).OrderBy(g => g.Key))
            yield return (group.Key, true, group.Select(r => r[1]).ToList());
    }

    // The argument at POSITION (or any from it on, BEYOND) exists and has a value MATCH allows (any when null).
    private static string Position(long position, bool beyond, ValueMatch? match)
    {
        if (beyond)
            return $"EXISTS (SELECT 1 FROM json_each(c.args) a{(match is ValueRows ? " JOIN vals v ON v.id = CAST(a.value AS INTEGER)" : "")} " +
                   $"WHERE a.key >= {position}{match switch
                   {
                       ValueIds ids => $" AND CAST(a.value AS INTEGER) IN ({List(ids.Ids)})",
                       ValueRows rows => $" AND {rows.Condition}",
                       _ => "",
                   }})";
        return match switch
        {
            ValueIds ids => $"CAST(c.args ->> {position} AS INTEGER) IN ({List(ids.Ids)})",
            ValueRows rows => $"EXISTS (SELECT 1 FROM vals v WHERE v.id = CAST(c.args ->> {position} AS INTEGER) AND {rows.Condition})",
            _ => $"c.args ->> {position} IS NOT NULL",
        };
    }

    private string AnyArgument(ValueMatch match) => match switch
    {
        ValueIds { Ids.Count: 0 } => "0",
        ValueIds { Ids.Count: <= InstrIds } ids => "(" + string.Join(" OR ", ids.Ids.Select(id => $"instr(c.args, {Param(ArgsColumn.Pattern(id))}) > 0")) + ")",
        ValueIds ids => $"EXISTS (SELECT 1 FROM json_each(c.args) a WHERE CAST(a.value AS INTEGER) IN ({List(ids.Ids)}))",
        ValueRows rows => $"EXISTS (SELECT 1 FROM json_each(c.args) a JOIN vals v ON v.id = CAST(a.value AS INTEGER) WHERE {rows.Condition})",
        _ => throw new InvalidOperationException(match.ToString()),
    };

    // Names and values mixed in ways no split into one name part and one value part describes: each argument is
    // looked at, its name read from the function's params.
    private string AnyArgumentGeneric(List<Node> conjuncts)
    {
        var name = $"coalesce((SELECT f.params ->> a.key FROM functions f WHERE f.id = c.function), {Param("?")})";
        var condition = Join("AND", conjuncts.Select(n => Tree(n, c => c.Field.Name == "arg" ? Text(name, c, _parameters) : ValueLeaf(c, _parameters))).ToList());
        return $"EXISTS (SELECT 1 FROM json_each(c.args) a JOIN vals v ON v.id = CAST(a.value AS INTEGER) WHERE {condition})";
    }

    // The result's tests: value and type apply to the returned value or the exception, `arg` to the pseudo name.
    private string ResultGroup(Comparison pseudo, List<Node> others)
    {
        var endKind = pseudo.Value == ReturnValue ? Schema.EndKind.Return : Schema.EndKind.Exception;
        var parts = new List<string> { endKind == Schema.EndKind.Exception ? Schema.IsException("c.packed") : $"c.end_kind = {endKind}" };
        if (others.Count == 0)
            return parts[0];
        string Condition(SqlParameters q) => Join("AND", others.Select(n => Tree(n, c => c.Field.Name == "arg"
            ? Text(q.Add(pseudo.Value), c, q)
            : ValueLeaf(c, q))).ToList());
        // About the name only: the same answer for every call.
        if (others.All(n => Leaves(n).All(c => c.Field.Name == "arg")))
            parts.Add(Condition(_parameters));
        // Exceptions are few (and calls_exceptions finds them): looking at each one's value beats a scan of vals.
        else if (endKind == Schema.EndKind.Exception)
            parts.Add($"EXISTS (SELECT 1 FROM vals v WHERE v.id = c.result AND {Condition(_parameters)})");
        else
            parts.Add(Match(Condition, HasValueRegex(others)) switch
            {
                ValueIds ids => In("c.result", ids.Ids),
                ValueRows rows => $"EXISTS (SELECT 1 FROM vals v WHERE v.id = c.result AND {rows.Condition})",
                var match => throw new InvalidOperationException(match.ToString()),
            });
        return Join("AND", parts);
    }

    // The vals rows CONDITION (over `vals v`) selects: as ids when there are few and finding them is cheap.
    private ValueMatch Match(Func<SqlParameters, string> condition, bool regex)
    {
        if (!regex || _context.Catalog.ValueCount <= RegexScanValues)
        {
            var parameters = new SqlParameters();
            var ids = _context.Catalog.Ids($"SELECT v.id FROM vals v WHERE {condition(parameters)} LIMIT {ListedIds + 1}", parameters.Values);
            if (ids.Count <= ListedIds)
                return new ValueIds(ids);
        }
        return new ValueRows(condition(_parameters));
    }

    private static string NameCondition(List<Node> names, string column, SqlParameters parameters) =>
        Join("AND", names.Select(n => Tree(n, c => Text(column, c, parameters))).ToList());

    private string ValueCondition(List<Node> values, SqlParameters parameters) =>
        Join("AND", values.Select(n => Tree(n, c => ValueLeaf(c, parameters))).ToList());

    // A value or type comparison over `vals v`; a type is resolved to its strings ids first. A plain text also
    // names the str of that text: `value == 'ann'` finds the value 'ann' as well as a value written ann.
    private string ValueLeaf(Comparison c, SqlParameters parameters)
    {
        if (c.Field == NumericValue)
            return NumericLeaf(c, parameters);
        if (c.Field.Name != "value")
            return In("v.type", Lookup(q => $"SELECT id FROM strings WHERE {Text("text", c, q)}"));
        if (c.Op == "~=")
            return Text("v.text", c, parameters);
        if (TextMatch.HasWildcard(c.Value))
            return ValueLookup.Match("v.text", parameters.Add(TextMatch.Parameter(c.Value)), c.Value, c.Op == "==", v => parameters.Add(v));
        var either = ValueLookup.In("v.text", parameters.Add(c.Value), parameters.Add(PythonRepr.Of(c.Value)));
        return c.Op == "==" ? either : $"NOT {either}";
    }

    private static bool HasValueRegex(List<Node> nodes) => nodes.Any(n => Leaves(n).Any(c => c.Field.Name == "value" && c.Op == "~="));

    // An and/or tree of comparisons as SQL, each comparison by LEAF.
    private static string Tree(Node node, Func<Comparison, string> leaf) => node switch
    {
        AndNode a => $"({Tree(a.Left, leaf)} AND {Tree(a.Right, leaf)})",
        OrNode o => $"({Tree(o.Left, leaf)} OR {Tree(o.Right, leaf)})",
        Comparison c => leaf(c),
        _ => throw new InvalidOperationException(node.ToString()),
    };

    private static IEnumerable<Comparison> Leaves(Node node) => node switch
    {
        AndNode a => Leaves(a.Left).Concat(Leaves(a.Right)),
        OrNode o => Leaves(o.Left).Concat(Leaves(o.Right)),
        Comparison c => [c],
        _ => throw new InvalidOperationException(node.ToString()),
    };

    // The conjuncts as an OR of comparison lists (each an AND), or null when that is more than MaxDisjuncts.
    private static List<List<Comparison>>? Disjuncts(List<Node> conjuncts)
    {
        List<List<Comparison>> product = [[]];
        foreach (var conjunct in conjuncts)
        {
            if (Disjuncts(conjunct) is not { } alternatives || product.Count * alternatives.Count > MaxDisjuncts)
                return null;
            product = product.SelectMany(p => alternatives.Select(a => (List<Comparison>)[.. p, .. a])).ToList();
        }
        return product;
    }

    private static List<List<Comparison>>? Disjuncts(Node node) => node switch
    {
        Comparison c => [[c]],
        OrNode o when Disjuncts(o.Left) is { } left && Disjuncts(o.Right) is { } right && left.Count + right.Count <= MaxDisjuncts =>
            [.. left, .. right],
        AndNode a => Disjuncts([a.Left, a.Right]),
        _ => null,
    };
}
