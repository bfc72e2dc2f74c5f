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
        return distance <= allowed ? distance + (lowerTyped == typed ? 0 : 0.05) : null;
    }

    public static int Levenshtein(string a, string b)
    {
        if (Math.Abs(a.Length - b.Length) > 8)
            return Math.Abs(a.Length - b.Length);
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
            previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
