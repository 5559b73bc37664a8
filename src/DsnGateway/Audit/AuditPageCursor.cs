using System.Globalization;

namespace DsnGateway.Audit;

/// <summary>
/// Keyset paging over seq, newest first: <c>n{seq}</c> is the page of records older than seq, <c>p{seq}</c>
/// the page of records newer than it. Pages never shift or repeat when records are added meanwhile.
/// </summary>
internal sealed record AuditPageCursor(bool Older, long Seq)
{
    public string Encode() => (Older ? "n" : "p") + Seq.ToString(CultureInfo.InvariantCulture);

    public static bool TryParse(string text, out AuditPageCursor? cursor)
    {
        cursor = null;
        if (text.Length < 2 || (text[0] != 'n' && text[0] != 'p')) return false;
        if (!long.TryParse(text.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq)) return false;
        cursor = new AuditPageCursor(text[0] == 'n', seq);
        return true;
    }
}
