using System.Text;
using System.Text.RegularExpressions;
using DsnGateway.RecordStore.Http;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;
using static DsnGateway.Audit.AuditCodes;

namespace DsnGateway.Audit;

/// <summary>
/// Turns what the gateway saw of one request (<see cref="AuditRecord"/>) into one FHIR R4 AuditEvent following
/// IHE BALP: type rest with the restful interaction as subtype, the user, client and server agents, the gateway
/// as observer, one entity per patient, the query (base64) for searches, the X-Request-Id as a BALP entity.
/// </summary>
/// <remarks>
/// Where things go that BALP leaves to us, all without extensions so any R4 reader sees them:
/// <list type="bullet">
/// <item>establishment: its own agent, type v3-RoleClass PROV "healthcare provider", who.identifier
///   <c>urn:dsn:establishment|NIM</c> (BALP's pattern for the organization a user acts for).</item>
/// <item>break-the-glass: purposeOfEvent and the user's purposeOfUse v3-ActReason BTG, the reason given as the
///   CodeableConcept's text (what the user said, which is what text is for).</item>
/// <item>scopes: the user agent's policy, one scope per entry (the grant that authorized the access).</item>
/// <item>security alerts (<see cref="AuditRecord.IsSecurityAlert"/>: every 401 and 403, every break-the-glass request
///   whatever its outcome, nothing else): meta.tag <c>urn:dsn:audit|flagged</c>.</item>
/// <item>refused requests before any interaction is known ("login"): DICOM 110114 User Authentication /
///   110122 Login, outcome 4; refused interactions keep type rest and their subtype, outcome 4, and the data
///   or query entity of what was asked (the authorization-failure pattern: the denied request described).</item>
/// </list>
/// </remarks>
public sealed partial class AuditEventFactory
{
    private static readonly HashSet<string> RestfulInteractions =
    [
        "read", "vread", "update", "patch", "delete", "history", "history-instance", "history-type", "history-system",
        "create", "search", "search-type", "search-system", "capabilities", "transaction", "batch", "operation",
    ];

    public AuditEvent Create(AuditRecord record)
    {
        var login = record.Interaction == "login";
        var failed = record.HttpStatus >= 400;
        var auditEvent = new AuditEvent
        {
            Type = login ? Code(DicomSystem, "110114", "User Authentication") : Code(AuditEventTypeSystem, "rest", "Restful Operation"),
            Subtype = [login ? Code(DicomSystem, "110122", "Login") : Subtype(record.Interaction)],
            Action = EnumUtility.ParseLiteral<AuditEvent.AuditEventAction>(Action(record.Interaction)),
            // UTC, milliseconds, Z, as the audit has always written it (Firely alone writes +00:00 and seven decimals):
            // the search column and the chain check compare this instant to the tick.
            RecordedElement = FhirResponses.InstantElement(record.Recorded),
            Outcome = EnumUtility.ParseLiteral<AuditEvent.AuditEventOutcome>(Outcome(record.HttpStatus)),
            OutcomeDesc = OutcomeDescription(record, failed),
            PurposeOfEvent = record.BreakGlassReason is { } reason ? [BreakGlass(reason)] : [],
            Agent = Agents(record),
            Source = new AuditEvent.SourceComponent
            {
                Site = GatewayDisplay,
                Observer = Gateway(),
                Type = [Code(SourceTypeSystem, "4", "Application Server")],
            },
            Entity = Entities(record),
        };
        if (record.IsSecurityAlert) auditEvent.Meta = new Meta { Tag = [AuditCodes.Flag] };
        return auditEvent;
    }

    private static Coding Subtype(string interaction) =>
        RestfulInteractions.Contains(interaction)
            ? Code(RestfulInteractionSystem, interaction)
            : Code("urn:dsn:interaction", interaction); // never drop what the gateway said happened

    /// <summary>BALP: create C, read and history R, update and patch U, delete D, searches and everything else E.</summary>
    public static string Action(string interaction) => interaction switch
    {
        "create" => "C",
        "read" or "vread" or "capabilities" or "history" or "history-instance" or "history-type" or "history-system" => "R",
        "update" or "patch" => "U",
        "delete" => "D",
        _ => "E",
    };

    public static string Outcome(int httpStatus) => httpStatus switch
    {
        < 400 => "0",
        < 500 => "4",
        _ => "8",
    };

    private static string? OutcomeDescription(AuditRecord record, bool failed) =>
        failed
            ? record.OutcomeDescription is { Length: > 0 } why ? $"HTTP {record.HttpStatus}: {why}" : $"HTTP {record.HttpStatus}"
            : record.OutcomeDescription;

    private static CodeableConcept BreakGlass(string reason) => Concept(ActReasonSystem, "BTG", "break the glass", reason);

    private static ResourceReference Gateway() => new() { Type = "Device", Display = GatewayDisplay };

    private static List<AuditEvent.AgentComponent> Agents(AuditRecord record)
    {
        var caller = record.Agent;
        var network = caller.NetworkAddress is { Length: > 0 } address ? new AuditEvent.NetworkComponent { Address = address, Type = AuditEvent.AuditEventAgentNetworkType.N2 } : null;
        var writes = Action(record.Interaction) is "C" or "U" or "D";

        var user = new AuditEvent.AgentComponent
        {
            Type = writes
                ? Concept(ParticipationTypeSystem, "AUT", "author (originator)")
                : Concept(ParticipationTypeSystem, "IRCP", "information recipient"),
            Role = caller.Role is { Length: > 0 } role ? [Concept(RoleSystem, role)] : [],
            Who = UserReference(caller),
            Requestor = true,
            Network = network,
            Policy = caller.Scopes?.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [],
            PurposeOfUse = record.BreakGlassReason is { } reason ? [BreakGlass(reason)] : [],
        };
        if (caller.FhirUser is { Length: > 0 } fhirUser && !LooksLikeReference(fhirUser)) user.AltId = fhirUser;

        var agents = new List<AuditEvent.AgentComponent> { user };
        if (caller.ClientId is { Length: > 0 } clientId)
        {
            agents.Add(new AuditEvent.AgentComponent
            {
                Type = Concept(DicomSystem, "110153", "Source Role ID"),
                Who = new ResourceReference { Identifier = new Identifier { System = ClientIdSystem, Value = clientId }, Display = clientId },
                Requestor = false,
                Network = network,
            });
        }
        agents.Add(new AuditEvent.AgentComponent
        {
            Type = Concept(DicomSystem, "110152", "Destination Role ID"),
            Who = Gateway(),
            Requestor = false,
        });
        if (caller.Establishment is { Length: > 0 } establishment)
        {
            agents.Add(new AuditEvent.AgentComponent
            {
                Type = Concept(RoleClassSystem, "PROV", "healthcare provider"),
                Who = new ResourceReference
                {
                    Type = "Organization",
                    Identifier = new Identifier { System = EstablishmentSystem, Value = establishment },
                    Display = establishment,
                },
                Requestor = false,
            });
        }
        return agents;
    }

    /// <summary>The user as far as known: the token's sub, and fhirUser as a reference when it is one.</summary>
    private static ResourceReference? UserReference(AuditAgent caller)
    {
        var hasSubject = caller.Subject is { Length: > 0 };
        var reference = caller.FhirUser is { Length: > 0 } f && LooksLikeReference(f) ? f : null;
        if (!hasSubject && reference is null) return null; // an unauthenticated caller: only the address is known
        return new ResourceReference
        {
            Reference = reference,
            Type = reference is null ? null : ReferencePattern().Match(reference).Groups["type"].Value,
            Identifier = hasSubject ? new Identifier { System = SubjectSystem, Value = caller.Subject } : null,
        };
    }

    public static bool LooksLikeReference(string value) => ReferencePattern().IsMatch(value);

    private static List<AuditEvent.EntityComponent> Entities(AuditRecord record)
    {
        var entities = new List<AuditEvent.EntityComponent>
        {
            // BALP: the X-Request-Id ties the event to the logs; the request line says what was asked.
            new AuditEvent.EntityComponent
            {
                What = new ResourceReference { Identifier = new Identifier { Value = record.RequestId } },
                Type = Code(BalpEntityTypeSystem, "XrequestId", "transport specific unique identifier where http X-Request-Id is used"),
                Description = $"{record.HttpMethod} {record.Path}",
            },
        };

        foreach (var patient in record.Patients.Distinct(StringComparer.Ordinal))
        {
            entities.Add(new AuditEvent.EntityComponent
            {
                What = new ResourceReference { Reference = patient.Contains('/') ? patient : $"Patient/{patient}" },
                Type = Code(EntityTypeSystem, "1", "Person"),
                Role = Code(ObjectRoleSystem, "1", "Patient"),
            });
        }

        if (record.Interaction is "search" or "search-type" or "search-system")
        {
            entities.Add(new AuditEvent.EntityComponent
            {
                Type = Code(EntityTypeSystem, "2", "System Object"),
                Role = Code(ObjectRoleSystem, "24", "Query"),
                Query = Encoding.UTF8.GetBytes((record.Query ?? "").TrimStart('?')),
                Detail = record.ResourceType is { Length: > 0 } searched ? [new AuditEvent.DetailComponent { Type = "resourceType", Value = new FhirString(searched) }] : [],
            });
        }
        else if (record.ResourceType is { Length: > 0 } type)
        {
            // The resource read, written or refused (for a create, its id when the store assigned one).
            entities.Add(new AuditEvent.EntityComponent
            {
                What = record.ResourceId is { Length: > 0 } id ? new ResourceReference { Reference = $"{type}/{id}" } : new ResourceReference { Type = type },
                Type = Code(EntityTypeSystem, "2", "System Object"),
                Role = Code(ObjectRoleSystem, "4", "Domain Resource"),
            });
        }
        return entities;
    }

    // A relative reference Type/id, or an absolute URL ending in one.
    [GeneratedRegex(@"^(?:https?://\S+/)?(?<type>[A-Z][A-Za-z]+)/[A-Za-z0-9\-\.]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex ReferencePattern();
}
