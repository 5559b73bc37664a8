using DsnGateway.Fhir.Serialization;
using Hl7.Fhir.Model;

namespace DsnGateway.Ingestion;

/// <summary>
/// A mapped Bundle as the inbox keeps it, checked before anything is acknowledged: serialized once with Firely, and
/// those very bytes parsed back with Firely's strict parser, which is what the record store applies to every resource
/// it is sent. A Bundle the store would refuse (an empty string, a code outside its value set, a malformed date, a value
/// the mapping could not make valid) is never acknowledged nor admitted: the sender hears at once which element is
/// wrong, instead of the message dying at delivery after an AA. The checked bytes are what the inbox stores.
/// </summary>
internal static class StrictBundle
{
    /// <summary>The Bundle's JSON as UTF-8 when it parses back strictly; else every problem Firely found, with its element path.</summary>
    public static StrictBundleResult Check(Bundle bundle)
    {
        byte[] utf8;
        try
        {
            utf8 = FhirJson.SerializeToUtf8Bytes(bundle);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Firely refuses to write some values outright (e.g. a primitive it cannot render): the same verdict as a failed parse.
            return new StrictBundleResult(null, [new FhirParseIssue("Bundle", $"the Bundle could not be serialized: {ex.Message}")]);
        }
        try
        {
            FhirJson.Parse<Bundle>(utf8);
            return new StrictBundleResult(utf8, []);
        }
        catch (FhirParseException ex)
        {
            return new StrictBundleResult(null, ex.Issues.Count > 0 ? ex.Issues : [new FhirParseIssue(ex.ElementPath, ex.Message)]);
        }
    }

    /// <summary>The problems in one line for an ERR segment or a CSV reject: the first issue's element path and message, and how many more.</summary>
    public static string Describe(IReadOnlyList<FhirParseIssue> issues)
    {
        var first = issues[0];
        var more = issues.Count > 1 ? $" (and {issues.Count - 1} more)" : "";
        return $"the mapped FHIR Bundle is not valid at {first.ElementPath}: {first.Message}{more}";
    }
}

/// <param name="Utf8Json">The serialized Bundle, parsed back strictly: what the inbox stores. Null when invalid.</param>
/// <param name="Issues">Why it is invalid (element path and message), empty when valid.</param>
internal sealed record StrictBundleResult(byte[]? Utf8Json, IReadOnlyList<FhirParseIssue> Issues)
{
    public bool IsValid => Utf8Json is not null;
}
