using Hl7.Fhir.Model;
using DsnGateway.Mapping.Establishments;

namespace DsnGateway.Mapping.Bundles;

/// <summary>
/// The one shape of the Provenance every channel writes (<see cref="MessageProvenance"/>, <see cref="Csv.CsvProvenance"/>):
/// the establishment is the author of the information, a device of its own assembled it on its behalf, and one source
/// entity is what the gateway read it from. A channel passes only what is its own, so a record reads the same
/// whichever way it came in, and the channels cannot drift apart.
/// </summary>
internal static class SourceProvenance
{
    public const string ParticipantTypeSystem = "http://terminology.hl7.org/CodeSystem/provenance-participant-type";

    /// <param name="targets">References (usually <c>urn:uuid:</c> fullUrls of the same transaction) to what the source wrote.</param>
    /// <param name="occurred">When the source says it happened, as a FHIR dateTime; null when it does not say.</param>
    /// <param name="recorded">When the gateway received or imported it.</param>
    /// <param name="device">What assembled the data for the establishment, as people know it (an application, an export).</param>
    /// <param name="entity">Identifies the source read: a message's control id, an export's file name.</param>
    /// <param name="entityDisplay">The source as a person would look for it.</param>
    public static Provenance Create(
        Establishment establishment,
        IEnumerable<string> targets,
        string? occurred,
        DateTimeOffset recorded,
        CodeableConcept activity,
        string device,
        Identifier entity,
        string entityDisplay)
    {
        ArgumentNullException.ThrowIfNull(establishment);
        ArgumentNullException.ThrowIfNull(targets);
        var organization = new ResourceReference
        {
            Type = nameof(Organization),
            Identifier = new Identifier { System = Establishment.IdentifierSystem, Value = establishment.Code },
            Display = establishment.Name,
        };
        return new Provenance
        {
            Target = targets.Select(t => new ResourceReference(t)).ToList(),
            Occurred = occurred is null ? null : new FhirDateTime(occurred),
            Recorded = ToMilliseconds(recorded.ToUniversalTime()),
            Activity = activity,
            Agent =
            [
                // The establishment is the author of the information...
                new Provenance.AgentComponent
                {
                    Type = Participant("author", "Author"),
                    Who = organization,
                },
                // ...what it runs assembled it on its behalf.
                new Provenance.AgentComponent
                {
                    Type = Participant("assembler", "Assembler"),
                    Who = new ResourceReference { Type = nameof(Device), Display = device },
                    OnBehalfOf = organization,
                },
            ],
            Entity =
            [
                new Provenance.EntityComponent
                {
                    Role = Provenance.ProvenanceEntityRole.Source,
                    What = new ResourceReference { Identifier = entity, Display = entityDisplay },
                },
            ],
        };
    }

    /// <summary>
    /// The transaction entry of a source's Provenance: <c>PUT Provenance/{id}</c>, the id being the uuid of its
    /// deterministic fullUrl (derived from the sender and the control id, or the row). A redelivered Bundle (at least
    /// once: a crash between the store's commit and the inbox's "delivered" mark) thus writes the same Provenance
    /// again, which the store keeps as it is (no change, no version), instead of adding a second one.
    /// </summary>
    public static Bundle.EntryComponent Entry(string fullUrl, Provenance provenance)
    {
        ArgumentNullException.ThrowIfNull(fullUrl);
        ArgumentNullException.ThrowIfNull(provenance);
        const string prefix = "urn:uuid:";
        if (!fullUrl.StartsWith(prefix, StringComparison.Ordinal))
            throw new ArgumentException($"A Provenance's fullUrl must be a urn:uuid, not '{fullUrl}'.", nameof(fullUrl));
        provenance.Id = fullUrl[prefix.Length..];
        return new Bundle.EntryComponent
        {
            FullUrl = fullUrl,
            Resource = provenance,
            Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = $"{provenance.TypeName}/{provenance.Id}" },
        };
    }

    /// <summary>An instant to the millisecond, as the Provenance has always recorded it: finer ticks say nothing more.</summary>
    private static DateTimeOffset ToMilliseconds(DateTimeOffset instant) =>
        new(instant.Ticks - instant.Ticks % TimeSpan.TicksPerMillisecond, instant.Offset);

    private static CodeableConcept Participant(string code, string display) =>
        new() { Coding = [new Coding { System = ParticipantTypeSystem, Code = code, Display = display }] };
}
