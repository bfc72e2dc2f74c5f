namespace Pytrace.Reader.Filter;

/// <summary>The outcome of correcting a filter that matched nothing.</summary>
public sealed record Correction(CompiledFilter? Filter, string Message);

/// <summary>For each string `==` comparison naming a value that does not exist, finds the nearest existing one.</summary>
public static class Corrector
{
    public static Correction? Correct(CompiledFilter filter, ValueSource values, FilterContext context)
    {
        var replacements = new List<(Token Token, string Text)>();
        var notes = new List<string>();
        foreach (var c in Comparisons(filter.Tree))
        {
            if (c.Field.Type != FieldType.Text || c.Op != "==" || c.Value is SqlCompiler.ReturnValue or SqlCompiler.Exception
                || values.Exists(c.Field.Name, c.Value))
                continue;
            if (c.Value.Contains('%'))
            {
                notes.Add($"no {c.Field.Name} matches '{c.Value}'");
                continue;
            }
            var ranked = values.Candidates(c.Field.Name, c.Value).Where(v => v != c.Value)
                .Select(v => (Value: v, Score: Similarity.Score(c.Value, v)))
                .Where(x => x.Score is not null)
                .OrderBy(x => x.Score).ThenBy(x => x.Value, StringComparer.Ordinal)
                .Take(6).ToList();
            if (ranked.Count == 0)
                notes.Add($"no {c.Field.Name} '{c.Value}'");
            else if (ranked.Count > 1 && ranked[1].Score - ranked[0].Score < 0.05)
                notes.Add($"no {c.Field.Name} '{c.Value}' — did you mean {string.Join(", ", ranked.Take(5).Select(r => SqlCompiler.Quote(r.Value)))}?");
            else
            {
                replacements.Add((c.ValueToken, ranked[0].Value));
                notes.Add($"no {c.Field.Name} '{c.Value}' — showing {c.Field.Name} == {SqlCompiler.Quote(ranked[0].Value)}");
            }
        }
        if (notes.Count == 0)
            return null;
        var corrected = replacements.Count == 0 ? null : SqlCompiler.Compile(SqlCompiler.Replace(filter.Source, replacements), context);
        return new Correction(corrected, string.Join("; ", notes));
    }

    private static IEnumerable<Comparison> Comparisons(Node node) => node switch
    {
        Comparison c => [c],
        AndNode a => Comparisons(a.Left).Concat(Comparisons(a.Right)),
        OrNode o => Comparisons(o.Left).Concat(Comparisons(o.Right)),
        NotNode n => Comparisons(n.Operand),
        _ => [],
    };
}
