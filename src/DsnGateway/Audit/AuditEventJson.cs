using System.Buffers;
using System.Text.Json;
using DsnGateway.Fhir.Serialization;
using Hl7.Fhir.Model;

namespace DsnGateway.Audit;

/// <summary>
/// An AuditEvent's JSON as the audit store hashes and keeps it: Firely's serializer (<see cref="FhirJson.Options"/>),
/// written into a buffer the audit writer reuses for a whole batch. There is no hand-written writer any more: the
/// one model's own serializer is the only one, so the stored JSON is what <see cref="FhirJson.Serialize"/> writes.
/// </summary>
public static class AuditEventJson
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // The same escaping as FhirJson.Options (accents as themselves), or the hashed bytes would differ from FhirJson's.
        Encoder = FhirJson.Options.Encoder,
        Indented = false,
        MaxDepth = FhirJson.Options.MaxDepth,
    };

    /// <summary>The event's JSON as UTF-8.</summary>
    public static byte[] SerializeToUtf8Bytes(AuditEvent auditEvent) => FhirJson.SerializeToUtf8Bytes(auditEvent);

    /// <summary>
    /// The event's JSON as UTF-8, written over whatever <paramref name="buffer"/> held: the audit writer reuses one
    /// buffer for a whole batch. The span is valid until the buffer is written again.
    /// </summary>
    public static ReadOnlySpan<byte> Write(AuditEvent auditEvent, ArrayBufferWriter<byte> buffer)
    {
        buffer.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            JsonSerializer.Serialize<Resource>(writer, auditEvent, FhirJson.Options);
        }
        return buffer.WrittenSpan;
    }
}
