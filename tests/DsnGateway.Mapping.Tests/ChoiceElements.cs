using Hl7.Fhir.Model;

namespace DsnGateway.Mapping.Tests;

/// <summary>
/// Firely holds a choice element (<c>deceased[x]</c>, <c>performed[x]</c>...) in one property typed DataType: these
/// read each variant under its JSON name, null when the element holds another variant or none, so a test says which
/// variant it expects.
/// </summary>
internal static class ChoiceElements
{
    extension(Patient patient)
    {
        public string? DeceasedDateTime => (patient.Deceased as FhirDateTime)?.Value;

        public bool? DeceasedBoolean => (patient.Deceased as FhirBoolean)?.Value;
    }

    extension(Procedure procedure)
    {
        public string? PerformedDateTime => (procedure.Performed as FhirDateTime)?.Value;

        public Period? PerformedPeriod => procedure.Performed as Period;
    }

    extension(MedicationRequest request)
    {
        public CodeableConcept? MedicationCodeableConcept => request.Medication as CodeableConcept;
    }

    extension(Dosage dosage)
    {
        public bool? AsNeededBoolean => (dosage.AsNeeded as FhirBoolean)?.Value;
    }

    extension(Dosage.DoseAndRateComponent doseAndRate)
    {
        public Quantity? DoseQuantity => doseAndRate.Dose as Quantity;

        public Hl7.Fhir.Model.Range? DoseRange => doseAndRate.Dose as Hl7.Fhir.Model.Range;
    }

    extension(Timing.RepeatComponent repeat)
    {
        public Period? BoundsPeriod => repeat.Bounds as Period;
    }

    extension(Provenance provenance)
    {
        public string? OccurredDateTime => (provenance.Occurred as FhirDateTime)?.Value;
    }

    extension(Extension extension)
    {
        public string? ValueString => (extension.Value as FhirString)?.Value;

        public string? ValueCode => (extension.Value as Code)?.Value;
    }
}
