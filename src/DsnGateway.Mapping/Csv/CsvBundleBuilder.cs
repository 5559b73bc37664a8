using System.Security.Cryptography;
using System.Text;
using Hl7.Fhir.Model;
using DsnGateway.Mapping.Bundles;
using DsnGateway.Mapping.Patients;

namespace DsnGateway.Mapping.Csv;

/// <summary>
/// A mapped row to the same transaction shape the HL7 channel produces, so delivery treats both alike:
/// the Patient as <c>PUT Patient?identifier=</c> its identity, the order or procedure as a conditional update on its
/// business identifier (placer, else filler; the procedure id) with its subject pointing at the Patient entry, and a
/// Provenance under an id derived from the row, so a redelivery adds no second one. An order or procedure row's
/// Patient entry carries only the identity identifiers: it finds or creates the person, never touches demographics
/// (it has no source time, so delivery never lets it overwrite).
/// </summary>
public static class CsvBundleBuilder
{
    /// <param name="identity">The patient's identity key (NAM when the person is known by NAM, even if the row named an MRN).</param>
    /// <param name="patientIdentifiers">The NAM and MRN identifiers for the Patient entry.</param>
    public static Bundle Build(CsvRecord record, CsvSource source, PatientIdentity identity, List<Identifier> patientIdentifiers)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(identity);
        var patientUrl = DeterministicUrn(source, record, "Patient");
        var patient = record.Resource as Patient ?? new Patient();
        patient.Identifier = patientIdentifiers;
        var entries = new List<Bundle.EntryComponent>
        {
            new() { FullUrl = patientUrl, Resource = patient, Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = identity.ConditionalUrl } },
        };
        var targets = new List<string> { patientUrl };

        if (record.Resource is MedicationRequest or Procedure)
        {
            var url = DeterministicUrn(source, record, record.Resource.TypeName);
            var subject = new ResourceReference(patientUrl);
            Identifier key;
            if (record.Resource is MedicationRequest request)
            {
                request.Subject = subject;
                key = request.Identifier[0];
            }
            else
            {
                var procedure = (Procedure)record.Resource;
                procedure.Subject = subject;
                key = procedure.Identifier[0];
            }
            entries.Add(new Bundle.EntryComponent
            {
                FullUrl = url,
                Resource = record.Resource,
                // Found again by its business identifier: a changed row updates the one resource, never adds a second.
                Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = $"{record.Resource.TypeName}?identifier={key.System}|{Uri.EscapeDataString(key.Value!)}" },
            });
            targets.Add(url);
        }

        entries.Add(SourceProvenance.Entry(DeterministicUrn(source, record, "Provenance"), CsvProvenance.Create(source, record, targets)));
        return new Bundle { Type = Bundle.BundleType.Transaction, Entry = entries };
    }

    /// <summary>A urn:uuid from the establishment, kind, control id and entry: the same row maps to the same Bundle.</summary>
    private static string DeterministicUrn(CsvSource source, CsvRecord record, string entry)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{source.Establishment.Code}|{source.SenderApplication}|{record.ControlId}|{entry}"));
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80); // version 8: custom (RFC 9562)
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC variant
        return "urn:uuid:" + new Guid(bytes, bigEndian: true).ToString();
    }
}
