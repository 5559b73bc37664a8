using Hl7.Fhir.Model;
using DsnGateway.Hl7v2;
using DsnGateway.Hl7v2.Segments;
using DsnGateway.Hl7v2.Types;
using DsnGateway.Mapping.Establishments;
using DsnGateway.Mapping.Identity;

namespace DsnGateway.Mapping.Patients;

/// <summary>
/// PID to FHIR Patient, after the HL7 v2-to-FHIR IG (PID → Patient) and DESIGN.md's identifier rules. The PID is
/// the sender's current snapshot of the person: the Patient it yields is complete in itself (the store decides,
/// by MSH-7, whether it is newer than what it holds). Bad content is a <see cref="MappingError"/>, never a throw.
/// </summary>
public sealed class PidMapper(EstablishmentRegistry establishments)
{
    private readonly EstablishmentRegistry _establishments = establishments ?? throw new ArgumentNullException(nameof(establishments));

    /// <param name="pid">The PID segment.</param>
    /// <param name="sender">The establishment that sent the message: its time zone reads date-times without an
    /// offset, and it names the systems of identifiers that are neither a NAM nor an MRN.</param>
    /// <param name="segmentSequence">The PID's occurrence in the message, for ERR-2.</param>
    public MappingResult<Patient> Map(Pid pid, Establishment sender, int segmentSequence = 1)
    {
        ArgumentNullException.ThrowIfNull(pid);
        ArgumentNullException.ThrowIfNull(sender);
        Hl7ErrorLocation At(int field, int? repetition = null) => new("PID", segmentSequence, field, repetition);

        var pid3 = pid.Segment.Field(3);
        if (pid3.IsEmpty || pid3.IsExplicitNull) return Fail(Hl7ErrorCodes.RequiredFieldMissing, At(3), "PID-3 (patient identifiers) is required");
        var names = PatientNames.Map(pid.Segment.Repetitions(5));
        if (names.Count == 0) return Fail(Hl7ErrorCodes.RequiredFieldMissing, At(5), "PID-5 (patient name) is required and carries neither a family nor a given name");

        // PID-7 first: the NAM is checked against it.
        Hl7DateTime? birth = null;
        if (Hl7Values.Clean(pid.BirthDateTime) is { } birthText)
        {
            if (!Hl7DateTime.TryParse(birthText, out var parsed, out var error)) return Fail(Hl7ErrorCodes.DataTypeError, At(7), $"PID-7 (birth date): {error!.Message}");
            birth = parsed;
        }
        var sex = Hl7Values.Clean(pid.AdministrativeSex);

        var sources = pid.Identifiers.Select((cx, i) => (cx, At(3, i + 1))).ToList();
        if (!pid.Segment.Field(2).IsEmpty) sources.Add((pid.PatientId, At(2)));
        var identifiers = PatientIdentifiers.Map(sources, sender, _establishments, birth is null ? null : ToPartialDate(birth), sex);
        if (!identifiers.IsSuccess) return identifiers.Error;
        if (!identifiers.Value.Any(i => i.System == QuebecHealthNumber.System || i.System!.StartsWith(PatientIdentity.MrnPrefix, StringComparison.Ordinal)))
        {
            var authorities = string.Join(", ", pid.Identifiers.Select(c => Hl7Values.Clean(c.AssigningAuthority.NamespaceId) ?? "(none)").Distinct());
            return Fail(Hl7ErrorCodes.RequiredFieldMissing, At(3),
                $"PID-3 carries neither a NAM (assigning authority RAMQ or type JHN/NAM) nor an MRN of a registered establishment ({string.Join(", ", _establishments.All.Select(e => e.Code))}); authorities sent: {authorities}");
        }

        var patient = new Patient
        {
            Identifier = identifiers.Value,
            Name = names,
            BirthDate = birth?.ToFhirDate(),
            Gender = PatientCodes.Gender(sex),
            Address = PatientContacts.Addresses(pid.Segment.Repetitions(11)),
            Telecom = [.. PatientContacts.Telecom(pid.Segment.Repetitions(13), ContactPoint.ContactPointUse.Home),
                .. PatientContacts.Telecom(pid.Segment.Repetitions(14), ContactPoint.ContactPointUse.Work)],
            MaritalStatus = PatientCodes.MaritalStatus(pid.MaritalStatus),
        };
        if (PatientCodes.Communication(pid.PrimaryLanguage) is { } language) patient.Communication = [language];

        // Death: a date-time wins over the indicator (IG); a time without offset is the establishment's local time.
        if (Hl7Values.Clean(pid.DeathDateTime) is { } deathText)
        {
            if (!Hl7DateTime.TryParse(deathText, out var death, out var error)) return Fail(Hl7ErrorCodes.DataTypeError, At(29), $"PID-29 (death date/time): {error!.Message}");
            patient.Deceased = new FhirDateTime(death.ToFhir(sender.Zone));
        }
        else
        {
            patient.Deceased = Hl7Values.Clean(pid.DeathIndicator)?.ToUpperInvariant() switch
            {
                "Y" => new FhirBoolean(true),
                "N" => new FhirBoolean(false),
                _ => null,
            };
        }
        return MappingResult<Patient>.Success(patient);
    }

    private static PartialDate ToPartialDate(Hl7DateTime d) => d.Precision switch
    {
        Hl7DateTimePrecision.Year => new PartialDate(d.Year, null, null),
        Hl7DateTimePrecision.Month => new PartialDate(d.Year, d.Month, null),
        _ => new PartialDate(d.Year, d.Month, d.Day),
    };

    private static MappingResult<Patient> Fail(int code, Hl7ErrorLocation location, string message) => MappingResult<Patient>.Failure(code, location, message);
}
