namespace Pytrace.Reader.Filter;

/// <summary>How close an existing value is to a mistyped one; lower is closer, null is too far to suggest.</summary>
public static class Similarity
{
    public static double? Score(string typed, string candidate)
    {
        if (typed == candidate)
            return 0;
        if (string.Equals(typed, candidate, StringComparison.OrdinalIgnoreCase))
            return 0.1;
        var lowerTyped = typed.ToLowerInvariant();
        var lowerCandidate = candidate.ToLowerInvariant();
        if (typed.Length >= 2 && lowerCandidate.StartsWith(lowerTyped, StringComparison.Ordinal))
            return 0.5 + (candidate.Length - typed.Length) * 0.01;
        var distance = Levenshtein(lowerTyped, lowerCandidate);
        var allowed = Math.Max(1, typed.Length / 3);
        // Edits that also change case rank after those that keep the case the user typed.
        return distance <= allowed ? distance + (Levenshtein(typed, candidate) > distance ? 0.1 : 0) : null;
    }

    /// <summary>Edit distance counting a swap of neighbours as one edit (optimal string alignment).</summary>
    public static int Levenshtein(string a, string b)
    {
        if (Math.Abs(a.Length - b.Length) > 8)
            return Math.Abs(a.Length - b.Length);
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
            d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++)
            d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
