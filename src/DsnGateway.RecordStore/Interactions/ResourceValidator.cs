using DsnGateway.Fhir.Model;
using DsnGateway.Fhir.Outcomes;
using DsnGateway.Fhir.Primitives;
using DsnGateway.RecordStore.Indexing;

namespace DsnGateway.RecordStore.Interactions;

/// <summary>
/// Rules a resource must meet before it is stored (422 otherwise): the elements R4 requires of the types
/// we keep, and dates that are real dates. JSON shape and unknown elements are checked earlier, by the parser.
/// </summary>
public static class ResourceValidator
{
    private static readonly HashSet<string> Genders = ["male", "female", "other", "unknown"];
    private static readonly HashSet<string> MedicationRequestStatuses = ["active", "on-hold", "cancelled", "completed", "entered-in-error", "stopped", "draft", "unknown"];
    private static readonly HashSet<string> MedicationRequestIntents = ["proposal", "plan", "order", "original-order", "reflex-order", "filler-order", "instance-order", "option"];
    private static readonly HashSet<string> EventStatuses = ["preparation", "in-progress", "not-done", "on-hold", "stopped", "completed", "entered-in-error", "unknown"];

    public static void Validate(Resource resource)
    {
        var type = resource.ResourceTypeName;
        if (resource.Id is not null && !ResourceReference.IsValidId(resource.Id))
            throw Invalid($"'{resource.Id}' is not a valid id (1 to 64 letters, digits, '-' or '.').", $"{type}.id");

        switch (resource)
        {
            case Patient p:
                Date(p.BirthDate, $"{type}.birthDate");
                OneOf(p.Gender, Genders, $"{type}.gender");
                DateTime(p.DeceasedDateTime, $"{type}.deceasedDateTime");
                break;
            case MedicationRequest m:
                Required(m.Status, $"{type}.status");
                OneOf(m.Status, MedicationRequestStatuses, $"{type}.status");
                Required(m.Intent, $"{type}.intent");
                OneOf(m.Intent, MedicationRequestIntents, $"{type}.intent");
                Required(m.Subject, $"{type}.subject");
                if (m.MedicationCodeableConcept is null && m.MedicationReference is null)
                    throw Invalid("MedicationRequest.medication[x] is required.", $"{type}.medication");
                DateTime(m.AuthoredOn, $"{type}.authoredOn");
                break;
            case Procedure p:
                Required(p.Status, $"{type}.status");
                OneOf(p.Status, EventStatuses, $"{type}.status");
                Required(p.Subject, $"{type}.subject");
                DateTime(p.PerformedDateTime, $"{type}.performedDateTime");
                DateTime(p.PerformedPeriod?.Start, $"{type}.performedPeriod.start");
                DateTime(p.PerformedPeriod?.End, $"{type}.performedPeriod.end");
                break;
            case Provenance p:
                if (p.Target is not { Count: > 0 }) throw Invalid("Provenance.target is required.", $"{type}.target");
                if (!PartialDateTime.IsValidInstant(p.Recorded)) throw Invalid("Provenance.recorded must be an instant.", $"{type}.recorded");
                if (p.Agent is not { Count: > 0 }) throw Invalid("Provenance.agent is required.", $"{type}.agent");
                break;
        }
    }

    private static void Required(object? value, string path)
    {
        if (value is null) throw Invalid($"{path} is required.", path);
    }

    private static void OneOf(string? value, HashSet<string> allowed, string path)
    {
        if (value is not null && !allowed.Contains(value))
            throw Invalid($"'{value}' is not a valid code for {path}.", path);
    }

    private static void Date(string? value, string path)
    {
        if (value is not null && !PartialDateTime.IsValidDate(value)) throw Invalid($"'{value}' is not a valid date.", path);
    }

    private static void DateTime(string? value, string path)
    {
        if (value is not null && !PartialDateTime.IsValidDateTime(value)) throw Invalid($"'{value}' is not a valid dateTime.", path);
    }

    private static FhirOperationException Invalid(string message, string path) => FhirOperationException.Unprocessable(message, path);
}
