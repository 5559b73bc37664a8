using Hl7.Fhir.Model;
using DsnGateway.Hl7v2.Types;
using DsnGateway.Mapping.Establishments;

namespace DsnGateway.Mapping.Practitioners;

/// <summary>
/// A practitioner named by a legacy system (ORC-12, PR1-11, PR1-12, or a CSV column) as a logical reference: a
/// Practitioner reference carrying the licence number as its identifier (<c>urn:dsn:licence:&lt;authority&gt;</c>,
/// e.g. <c>urn:dsn:licence:cmq</c> for the Collège des médecins) and the name as display. No Practitioner
/// resource is written: the licence is what the provincial directory knows the person by.
/// A number without an assigning authority is the establishment's own (<c>urn:dsn:licence:&lt;est&gt;</c>).
/// </summary>
public static class PractitionerReferences
{
    public const string LicencePrefix = "urn:dsn:licence:";

    public static string LicenceSystem(string authority) =>
        LicencePrefix + Uri.EscapeDataString(authority.Trim().ToLowerInvariant());

    /// <summary>From an XCN; null when it names nobody (no id and no name).</summary>
    public static ResourceReference? From(Xcn xcn, Establishment establishment)
    {
        ArgumentNullException.ThrowIfNull(xcn);
        if (xcn.IsEmpty) return null;
        var display = string.Join(' ', new[] { xcn.Prefix, xcn.GivenName, xcn.SecondAndFurtherGivenNames, xcn.FamilyName, xcn.Suffix }
            .Select(p => p.Trim()).Where(p => p.Length > 0));
        return Create(xcn.Id, xcn.AssigningAuthority.NamespaceId, display, establishment);
    }

    /// <summary>From a licence number, its authority and a name (any may be missing; null when all are).</summary>
    public static ResourceReference? Create(string? licence, string? authority, string? display, Establishment establishment)
    {
        ArgumentNullException.ThrowIfNull(establishment);
        var number = licence?.Trim();
        var name = string.IsNullOrWhiteSpace(display) ? null : display.Trim();
        if (string.IsNullOrEmpty(number) && name is null) return null;
        return new ResourceReference
        {
            Type = nameof(Practitioner),
            Identifier = string.IsNullOrEmpty(number) ? null : new Identifier
            {
                System = LicenceSystem(string.IsNullOrWhiteSpace(authority) ? establishment.Code : authority),
                Value = number,
            },
            Display = name,
        };
    }
}
