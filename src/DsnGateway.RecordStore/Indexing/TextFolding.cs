using System.Globalization;
using System.Text;

namespace DsnGateway.RecordStore.Indexing;

/// <summary>
/// FHIR string search is case- and accent-insensitive: <c>belanger</c> finds <c>Bélanger</c>.
/// Both stored values and search values are folded the same way.
/// </summary>
public static class TextFolding
{
    public static string Fold(string value)
    {
        var decomposed = value.Normalize(NormalizationForm.FormD);
        var sb = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark) continue;
            sb.Append(c switch
            {
                'ß' => "ss",
                'æ' or 'Æ' => "ae",
                'œ' or 'Œ' => "oe",
                _ => char.ToLowerInvariant(c).ToString(),
            });
        }
        return sb.ToString().Normalize(NormalizationForm.FormC);
    }
}
