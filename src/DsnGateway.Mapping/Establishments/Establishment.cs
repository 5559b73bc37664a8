using DsnGateway.Hl7v2.Types;

namespace DsnGateway.Mapping.Establishments;

/// <summary>
/// A health establishment feeding the record (DESIGN.md: NIM, MCQ). Its code names its MRNs wherever they
/// appear (an MCQ MRN in a NIM message is still an MCQ MRN), its facility is what it sends in MSH-4.1, and its
/// time zone gives HL7 date-times without an offset their meaning.
/// </summary>
/// <param name="Code">The establishment code, e.g. <c>NIM</c>; compared case-insensitively with CX.4.1.</param>
/// <param name="Name">Human name, e.g. CIUSSS du Nord-de-l'Île-de-Montréal.</param>
/// <param name="Facility">MSH-4.1 of its senders.</param>
/// <param name="TimeZone">IANA zone id, e.g. <c>America/Toronto</c>.</param>
/// <param name="DefaultCharacterSet">The MSH-18 name assumed when its messages leave MSH-18 empty; null means UTF-8.</param>
public sealed record Establishment(string Code, string Name, string Facility, string TimeZone, string? DefaultCharacterSet = null)
{
    /// <summary>System of establishment codes, for references to an establishment as an Organization by identifier.</summary>
    public const string IdentifierSystem = "urn:dsn:establishment";

    /// <summary>Prefix of every system this establishment owns (<c>urn:dsn:mrn:nim</c>...).</summary>
    public string LowerCode => Code.ToLowerInvariant();

    /// <summary>FHIR identifier system of its medical record numbers: <c>urn:dsn:mrn:&lt;code lower&gt;</c>.</summary>
    public string MrnSystem => $"urn:dsn:mrn:{LowerCode}";

    /// <summary>System of the MSH-10 control ids it sends (unique per sender, recorded in Provenance).</summary>
    public string ControlIdSystem => $"urn:dsn:hl7v2:control-id:{LowerCode}";

    /// <summary>
    /// System of an identifier this establishment sent under an authority that is neither RAMQ nor a registered
    /// establishment: kept on the Patient, never used for identity.
    /// </summary>
    public string OtherIdentifierSystem(string assigningAuthority) =>
        $"urn:dsn:id:{LowerCode}:{Uri.EscapeDataString(assigningAuthority.Trim().ToLowerInvariant())}";

    /// <summary>
    /// The decoding used when its messages leave MSH-18 empty (pass it as <c>Hl7ParserOptions.DefaultCharacterSet</c>);
    /// null means the parser's own default, UTF-8.
    /// </summary>
    public System.Text.Encoding? DefaultEncoding =>
        string.IsNullOrWhiteSpace(DefaultCharacterSet) ? null : DsnGateway.Hl7v2.Encoding.Hl7CharacterSets.Resolve(DefaultCharacterSet);

    /// <summary>The zone resolved on this machine. The loader refuses unknown zones, so this only fails for hand-built records.</summary>
    public TimeZoneInfo Zone => Hl7DateTime.FindZone(TimeZone)
        ?? throw new InvalidOperationException($"Time zone '{TimeZone}' of establishment {Code} is unknown on this machine.");
}
