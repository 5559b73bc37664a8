using Hl7.Fhir.Model;
using DsnGateway.Mapping.Codes;

namespace DsnGateway.Mapping.Csv;

/// <summary>How a row names its patient: the NAM and/or the establishment's MRN, as read from it.</summary>
/// <param name="Nam">The NAM, normalized and checked (form, and birth date and sex on patient rows).</param>
/// <param name="Mrn">The MRN value, in the establishment's MRN system.</param>
public sealed record CsvPatientReference(string? Nam, string? Mrn);

/// <summary>
/// A row that passed validation: what it is about, the resource it describes (not yet tied to its patient's
/// identity: that needs the record store and the inbox, see <see cref="CsvBundleBuilder"/>), and the facts that
/// make its import idempotent.
/// </summary>
/// <param name="BusinessKey">What the row is a version of (the patient, the order, the procedure), e.g. <c>placer:RX1001</c>:
/// the same key twice in one file is a duplicate; the key plus <see cref="ContentHash"/> is the inbox control id.</param>
/// <param name="ContentHash">SHA-256 (hex, 16 bytes) of the row's text: a changed row is a new message, an identical one a duplicate.</param>
/// <param name="SourceTime">For patient rows, the export's date when the layout has one (else the import's time is used).</param>
public sealed record CsvRecord(
    CsvKind Kind,
    long Line,
    string RawText,
    string BusinessKey,
    string ContentHash,
    CsvPatientReference Patient,
    Resource Resource,
    DateTimeOffset? SourceTime,
    IReadOnlyList<UnmappedCode> UnmappedCodes)
{
    /// <summary>The inbox control id: business key and content, so a re-import is a duplicate and a change is new.</summary>
    public string ControlId => $"{BusinessKey}#{ContentHash}";

    /// <summary>The reject of a row repeating an earlier row's key: the same words in <c>map</c> and <c>import</c>.</summary>
    public string DuplicateReason(long firstLine) => $"duplicate key: line {firstLine} has the same {KeyName}";

    private string KeyName => BusinessKey[..BusinessKey.IndexOf(':', StringComparison.Ordinal)] switch
    {
        "nam" => "NAM",
        "mrn" => "MRN",
        "placer" => "placer order number",
        "filler" => "filler order number",
        _ => "procedure number",
    };
}

/// <summary>A row not imported, with the line to find it and the reason to fix it.</summary>
public sealed record CsvReject(long Line, string Reason, string? RawText = null);
