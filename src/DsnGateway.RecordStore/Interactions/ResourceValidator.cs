using DsnGateway.Fhir.Outcomes;
using DsnGateway.Fhir.Primitives;
using Hl7.Fhir.Model;
using StoreReference = DsnGateway.RecordStore.Indexing.ResourceReference;

namespace DsnGateway.RecordStore.Interactions;

/// <summary>
/// Rules a resource must meet before it is stored (422 otherwise): the elements R4 requires of the types
/// we keep, and dates that are real dates. A client's JSON has met them already, at Firely's strict parse (400
/// there); these hold for resources built in code, whose string-typed dates and ids nothing has checked.
/// </summary>
public static class ResourceValidator
{
    public static void Validate(Resource resource)
    {
        var type = resource.TypeName;
        if (resource.Id is not null && !StoreReference.IsValidId(resource.Id))
            throw Invalid($"'{resource.Id}' is not a valid id (1 to 64 letters, digits, '-' or '.').", $"{type}.id");

        switch (resource)
        {
            case Patient p:
                Date(p.BirthDate, $"{type}.birthDate");
                if (p.Deceased is FhirDateTime deceased) DateTime(deceased.Value, $"{type}.deceasedDateTime");
                break;
            case MedicationRequest m:
                Required(m.Status, $"{type}.status");
                Required(m.Intent, $"{type}.intent");
                Required(m.Subject, $"{type}.subject");
                if (m.Medication is not (CodeableConcept or ResourceReference))
                    throw Invalid("MedicationRequest.medication[x] is required.", $"{type}.medication");
                DateTime(m.AuthoredOn, $"{type}.authoredOn");
                break;
            case Procedure p:
                Required(p.Status, $"{type}.status");
                Required(p.Subject, $"{type}.subject");
                switch (p.Performed)
                {
                    case FhirDateTime performed:
                        DateTime(performed.Value, $"{type}.performedDateTime");
                        break;
                    case Period period:
                        DateTime(period.Start, $"{type}.performedPeriod.start");
                        DateTime(period.End, $"{type}.performedPeriod.end");
                        break;
                }
                break;
            case Provenance p:
                if (p.Target.Count == 0) throw Invalid("Provenance.target is required.", $"{type}.target");
                if (p.Recorded is null) throw Invalid("Provenance.recorded must be an instant.", $"{type}.recorded");
                if (p.Agent.Count == 0) throw Invalid("Provenance.agent is required.", $"{type}.agent");
                break;
        }
    }

    private static void Required(object? value, string path)
    {
        if (value is null) throw Invalid($"{path} is required.", path);
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
