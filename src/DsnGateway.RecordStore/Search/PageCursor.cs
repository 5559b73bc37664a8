using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace DsnGateway.RecordStore.Search;

/// <summary>
/// Where a page starts: the sort value and creation sequence of the row next to it. Paging by key, not
/// by offset, so rows written while a client pages never shift the pages it has not read yet.
/// </summary>
public sealed record PageCursor(bool Backward, long SortValue, long Sequence)
{
    public string Encode()
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{(Backward ? 'p' : 'n')}:{SortValue}:{Sequence}");
        return Base64Url.EncodeToString(Encoding.ASCII.GetBytes(text));
    }

    public static bool TryDecode(string value, out PageCursor? cursor)
    {
        cursor = null;
        try
        {
            var parts = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(value)).Split(':');
            if (parts.Length != 3 || parts[0] is not ("p" or "n")) return false;
            cursor = new PageCursor(parts[0] == "p",
                long.Parse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
                long.Parse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture));
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
        catch (OverflowException)
        {
            return false;
        }
    }
}
