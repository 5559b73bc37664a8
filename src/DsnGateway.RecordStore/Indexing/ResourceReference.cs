using System.Text.RegularExpressions;

namespace DsnGateway.RecordStore.Indexing;

/// <summary>Reads a literal reference (<c>Patient/123</c>, or an absolute URL ending so) into type and id.</summary>
public static partial class ResourceReference
{
    public static bool TryParse(string? reference, out string type, out string id)
    {
        type = id = "";
        if (string.IsNullOrEmpty(reference) || reference.StartsWith('#') || reference.StartsWith("urn:", StringComparison.Ordinal)) return false;
        var m = Literal().Match(reference);
        if (!m.Success) return false;
        type = m.Groups["type"].Value;
        id = m.Groups["id"].Value;
        return true;
    }

    /// <summary>A FHIR logical id: 1 to 64 letters, digits, '-' and '.'.</summary>
    public static bool IsValidId(string? id) => id is not null && IdPattern().IsMatch(id);

    [GeneratedRegex(@"(^|/)(?<type>[A-Z][A-Za-z]+)/(?<id>[A-Za-z0-9\-\.]{1,64})(/_history/[A-Za-z0-9\-\.]{1,64})?$")]
    private static partial Regex Literal();

    [GeneratedRegex(@"^[A-Za-z0-9\-\.]{1,64}$")]
    private static partial Regex IdPattern();
}
