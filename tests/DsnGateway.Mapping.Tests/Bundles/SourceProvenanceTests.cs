using DsnGateway.Fhir.Model;
using Hl7.Fhir.Model;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Mapping.Bundles;
using DsnGateway.Mapping.Csv;
using static DsnGateway.Mapping.Tests.QuebecFixtures;

namespace DsnGateway.Mapping.Tests.Bundles;

/// <summary>
/// The Provenance of each channel, element by element as it is serialized: the HL7 v2 message and the CSV row
/// share one shape (the establishment as author, a device assembling on its behalf, one source entity), and what
/// each writes must not move when that shape is changed.
/// </summary>
public class SourceProvenanceTests
{
    private static readonly string[] Targets = ["urn:uuid:target-1", "urn:uuid:target-2"];
    private static readonly DateTimeOffset Received = new(2024, 7, 15, 14, 30, 5, TimeSpan.Zero);

    [Fact]
    public void An_HL7_message_is_authored_by_its_establishment_assembled_by_its_application_and_sourced_by_its_control_id()
    {
        var source = MessageSource.Read(Parse(MarieA01()), DefaultSenders()).Value!;

        var provenance = MessageProvenance.Create(source, Targets, Received);

        Json(provenance).Should().Be($$"""
            {
              "resourceType": "Provenance",
              "target": [
                {
                  "reference": "urn:uuid:target-1"
                },
                {
                  "reference": "urn:uuid:target-2"
                }
              ],
              "occurredDateTime": "2024-07-15T10:30:00-04:00",
              "recorded": "2024-07-15T14:30:05+00:00",
              "activity": {
                "coding": [
                  {
                    "system": "http://terminology.hl7.org/CodeSystem/v2-0003",
                    "code": "A01"
                  }
                ],
                "text": "ADT^A01"
              },
            {{NimAgents("ADT_NIM")}}
              "entity": [
                {
                  "role": "source",
                  "what": {
                    "identifier": {
                      "system": "urn:dsn:hl7v2:control-id:nim",
                      "value": "NIM-0001"
                    },
                    "display": "HL7 v2 ADT^A01 NIM-0001 from ADT_NIM/NIM"
                  }
                }
              ]
            }
            """);
    }

    [Fact]
    public void A_CSV_row_is_authored_by_its_establishment_assembled_by_its_export_and_sourced_by_its_file_and_line()
    {
        var nim = DefaultSenders().Establishments.ByCode("NIM")!;
        var source = new CsvSource(nim, CsvKind.Patients, "patients-2026-11-20.csv", Received);
        var exported = new DateTimeOffset(2026, 11, 20, 8, 30, 0, TimeSpan.FromHours(-5));

        var provenance = CsvProvenance.Create(source, Row(CsvKind.Patients, 12, exported), Targets);

        Json(provenance).Should().Be($$"""
            {
              "resourceType": "Provenance",
              "target": [
                {
                  "reference": "urn:uuid:target-1"
                },
                {
                  "reference": "urn:uuid:target-2"
                }
              ],
              "occurredDateTime": "2026-11-20T13:30:00.000Z",
              "recorded": "2024-07-15T14:30:05+00:00",
              "activity": {
                "text": "CSV patients import"
              },
            {{NimAgents("CSV export (patients)")}}
              "entity": [
                {
                  "role": "source",
                  "what": {
                    "identifier": {
                      "system": "urn:dsn:csv:nim:file",
                      "value": "patients-2026-11-20.csv"
                    },
                    "display": "CSV export patients-2026-11-20.csv line 12 from NIM"
                  }
                }
              ]
            }
            """);
    }

    [Fact]
    public void A_CSV_row_without_a_source_time_says_nothing_of_when_it_occurred()
    {
        var mcq = DefaultSenders().Establishments.ByCode("MCQ")!;
        var source = new CsvSource(mcq, CsvKind.MedicationOrders, "orders.csv", Received);

        var provenance = CsvProvenance.Create(source, Row(CsvKind.MedicationOrders, 3, sourceTime: null), Targets);

        provenance.Occurred.Should().BeNull();
        provenance.Activity!.Text.Should().Be("CSV medication-orders import");
        provenance.Agent![1].Who!.Display.Should().Be("CSV export (medication-orders)");
        provenance.Entity!.Single().What!.Display.Should().Be("CSV export orders.csv line 3 from MCQ");
    }

    /// <summary>
    /// What both channels write alike for NIM, as serialized: the establishment as author, and the device that
    /// assembled the data as assembler on its behalf. Only the device differs.
    /// </summary>
    private static string NimAgents(string device) => $$"""
          "agent": [
            {
              "type": {
                "coding": [
                  {
                    "system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                    "code": "author",
                    "display": "Author"
                  }
                ]
              },
              "who": {
                "type": "Organization",
                "identifier": {
                  "system": "urn:dsn:establishment",
                  "value": "NIM"
                },
                "display": "CIUSSS du Nord-de-l'Île-de-Montréal"
              }
            },
            {
              "type": {
                "coding": [
                  {
                    "system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                    "code": "assembler",
                    "display": "Assembler"
                  }
                ]
              },
              "who": {
                "type": "Device",
                "display": "{{device}}"
              },
              "onBehalfOf": {
                "type": "Organization",
                "identifier": {
                  "system": "urn:dsn:establishment",
                  "value": "NIM"
                },
                "display": "CIUSSS du Nord-de-l'Île-de-Montréal"
              }
            }
          ],
        """;

    /// <summary>A validated row: the Provenance reads only its line and source time.</summary>
    private static CsvRecord Row(CsvKind kind, long line, DateTimeOffset? sourceTime) =>
        new(kind, line, "raw", "key", "hash", new CsvPatientReference(null, null), new Patient(), sourceTime, []);

    private static string Json(Provenance provenance) => FhirJson.Serialize(provenance, indented: true).ReplaceLineEndings("\n");
}
