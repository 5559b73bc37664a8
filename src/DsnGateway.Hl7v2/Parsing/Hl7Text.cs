namespace DsnGateway.Hl7v2.Parsing;

/// <summary>Splitting helpers that find the n-th piece without building arrays of every piece.</summary>
internal static class Hl7Text
{
    /// <summary>Piece <paramref name="n"/> (1-based) of <paramref name="s"/> split on <paramref name="separator"/>; empty when absent.</summary>
    public static string Piece(string s, char separator, int n)
    {
        if (n < 1 || s.Length == 0) return "";
        var start = 0;
        for (var i = 1; i < n; i++)
        {
            var next = s.IndexOf(separator, start);
            if (next < 0) return "";
            start = next + 1;
        }
        var end = s.IndexOf(separator, start);
        if (start == 0 && end < 0) return s;
        return end < 0 ? s[start..] : s[start..end];
    }

    public static int Count(string s, char separator) => s.Length == 0 ? 0 : s.AsSpan().Count(separator) + 1;

    public static IEnumerable<string> Pieces(string s, char separator)
    {
        var start = 0;
        while (true)
        {
            var next = s.IndexOf(separator, start);
            if (next < 0)
            {
                yield return start == 0 ? s : s[start..];
                yield break;
            }
            yield return s[start..next];
            start = next + 1;
        }
    }
}
