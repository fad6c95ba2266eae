namespace VaeGpu.Cli.Configuration;

/// <summary>"did you mean --epochs?": the nearest known name to a mistyped one, by edit distance.</summary>
public static class Suggestions
{
    /// <summary>The closest candidate within a distance that still reads as a typo, or null.</summary>
    public static string? Nearest(string typed, IEnumerable<string> candidates)
    {
        string bare = typed.TrimStart('-');
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in candidates)
        {
            string other = candidate.TrimStart('-');
            int distance = other.StartsWith(bare, StringComparison.OrdinalIgnoreCase) && bare.Length >= 3
                ? 1 // a prefix ("--epoch") is as good as one typo
                : Distance(bare.ToLowerInvariant(), other.ToLowerInvariant());
            if (distance < bestDistance)
            {
                bestDistance = distance;
                best = candidate;
            }
        }
        // A third of the word may be wrong: "trian" → "train", but "foo" suggests nothing.
        return best is not null && bestDistance <= Math.Max(1, bare.Length / 3) ? best : null;
    }

    /// <summary>" (did you mean X?)" or "".</summary>
    public static string DidYouMean(string typed, IEnumerable<string> candidates) =>
        Nearest(typed, candidates) is { } near ? $"; did you mean {near}?" : "";

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps.</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
