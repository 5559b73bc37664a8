using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using DsnGateway.Fhir.Model;
using DsnGateway.Fhir.Serialization;

namespace DsnGateway.Audit;

/// <summary>
/// Writes an AuditEvent as FHIR JSON straight from its properties, byte for byte what
/// <see cref="FhirJson.Serialize"/> writes (resourceType first, inherited elements before a type's own, nulls and
/// empty arrays left out, the same escaping). Every read and search pays for one audit record, and the
/// general serializer spent more on it than the rest of the audit write; this one only walks what an
/// AuditEvent holds. Anything it does not write (extensions, primitive extensions <c>_x</c>, narrative, contained
/// resources, periods) sends the event to <see cref="FhirJson"/> instead, so no element is ever dropped.
/// </summary>
public static class AuditEventJson
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The event's JSON as UTF-8.</summary>
    public static byte[] SerializeToUtf8Bytes(AuditEvent auditEvent) => Write(auditEvent, new ArrayBufferWriter<byte>(4096)).ToArray();

    /// <summary>
    /// The event's JSON as UTF-8, written over whatever <paramref name="buffer"/> held: the audit writer reuses one
    /// buffer for a whole batch. The span is valid until the buffer is written again.
    /// </summary>
    public static ReadOnlySpan<byte> Write(AuditEvent auditEvent, ArrayBufferWriter<byte> buffer)
    {
        buffer.ResetWrittenCount();
        try
        {
            using var writer = new Utf8JsonWriter(buffer, Options);
            Write(writer, auditEvent);
        }
        catch (NotPlainException)
        {
            // Rare by construction (AuditEventFactory sets none of these): the general serializer writes it all.
            buffer.ResetWrittenCount();
            buffer.Write(FhirJson.SerializeToUtf8Bytes(auditEvent));
        }
        return buffer.WrittenSpan;
    }

    private static void Write(Utf8JsonWriter w, AuditEvent e)
    {
        Plain(e.IdElement is null && e.ImplicitRules is null && e.ImplicitRulesElement is null && e.Language is null && e.LanguageElement is null
            && e.Text is null && Empty(e.Contained) && Empty(e.Extension) && Empty(e.ModifierExtension) && e.ActionElement is null && e.Period is null
            && e.RecordedElement is null && e.OutcomeElement is null && e.OutcomeDescElement is null);
        w.WriteStartObject();
        w.WriteString("resourceType"u8, AuditEvent.TypeName);
        String(w, "id"u8, e.Id);
        if (e.Meta is { } meta)
        {
            w.WritePropertyName("meta"u8);
            Write(w, meta);
        }
        Object(w, "type"u8, e.Type, Write);
        Array(w, "subtype"u8, e.Subtype, Write);
        String(w, "action"u8, e.Action);
        String(w, "recorded"u8, e.Recorded);
        String(w, "outcome"u8, e.Outcome);
        String(w, "outcomeDesc"u8, e.OutcomeDesc);
        Array(w, "purposeOfEvent"u8, e.PurposeOfEvent, Write);
        Array(w, "agent"u8, e.Agent, Write);
        Object(w, "source"u8, e.Source, Write);
        Array(w, "entity"u8, e.Entity, Write);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, Meta m)
    {
        Plain(Empty(m.Extension) && m.VersionIdElement is null && m.LastUpdatedElement is null && m.SourceElement is null);
        w.WriteStartObject();
        String(w, "id"u8, m.Id);
        String(w, "versionId"u8, m.VersionId);
        String(w, "lastUpdated"u8, m.LastUpdated);
        String(w, "source"u8, m.Source);
        if (m.Profile is { Count: > 0 } profiles)
        {
            w.WriteStartArray("profile"u8);
            foreach (var profile in profiles) w.WriteStringValue(profile);
            w.WriteEndArray();
        }
        Array(w, "security"u8, m.Security, Write);
        Array(w, "tag"u8, m.Tag, Write);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, AuditEventAgent a)
    {
        Plain(Empty(a.Extension) && Empty(a.ModifierExtension) && a.AltIdElement is null && a.NameElement is null && a.RequestorElement is null && Empty(a.PolicyElement));
        w.WriteStartObject();
        String(w, "id"u8, a.Id);
        Object(w, "type"u8, a.Type, Write);
        Array(w, "role"u8, a.Role, Write);
        Object(w, "who"u8, a.Who, Write);
        String(w, "altId"u8, a.AltId);
        String(w, "name"u8, a.Name);
        if (a.Requestor is { } requestor) w.WriteBoolean("requestor"u8, requestor);
        Object(w, "location"u8, a.Location, Write);
        if (a.Policy is { Count: > 0 } policies)
        {
            w.WriteStartArray("policy"u8);
            foreach (var policy in policies)
            {
                if (policy is null) w.WriteNullValue();
                else w.WriteStringValue(policy);
            }
            w.WriteEndArray();
        }
        Object(w, "media"u8, a.Media, Write);
        if (a.Network is { } network)
        {
            Plain(Empty(network.Extension) && Empty(network.ModifierExtension) && network.AddressElement is null && network.TypeElement is null);
            w.WritePropertyName("network"u8);
            w.WriteStartObject();
            String(w, "id"u8, network.Id);
            String(w, "address"u8, network.Address);
            String(w, "type"u8, network.Type);
            w.WriteEndObject();
        }
        Array(w, "purposeOfUse"u8, a.PurposeOfUse, Write);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, AuditEventSource s)
    {
        Plain(Empty(s.Extension) && Empty(s.ModifierExtension) && s.SiteElement is null);
        w.WriteStartObject();
        String(w, "id"u8, s.Id);
        String(w, "site"u8, s.Site);
        Object(w, "observer"u8, s.Observer, Write);
        Array(w, "type"u8, s.Type, Write);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, AuditEventEntity e)
    {
        Plain(Empty(e.Extension) && Empty(e.ModifierExtension) && e.NameElement is null && e.DescriptionElement is null && e.QueryElement is null);
        w.WriteStartObject();
        String(w, "id"u8, e.Id);
        Object(w, "what"u8, e.What, Write);
        Object(w, "type"u8, e.Type, Write);
        Object(w, "role"u8, e.Role, Write);
        Object(w, "lifecycle"u8, e.Lifecycle, Write);
        Array(w, "securityLabel"u8, e.SecurityLabel, Write);
        String(w, "name"u8, e.Name);
        String(w, "description"u8, e.Description);
        String(w, "query"u8, e.Query);
        Array(w, "detail"u8, e.Detail, Write);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, AuditEventDetail d)
    {
        Plain(Empty(d.Extension) && Empty(d.ModifierExtension) && d.TypeElement is null && d.ValueStringElement is null && d.ValueBase64BinaryElement is null);
        w.WriteStartObject();
        String(w, "id"u8, d.Id);
        String(w, "type"u8, d.Type);
        String(w, "valueString"u8, d.ValueString);
        String(w, "valueBase64Binary"u8, d.ValueBase64Binary);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, CodeableConcept c)
    {
        Plain(Empty(c.Extension) && c.TextElement is null);
        w.WriteStartObject();
        String(w, "id"u8, c.Id);
        Array(w, "coding"u8, c.Coding, Write);
        String(w, "text"u8, c.Text);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, Coding c)
    {
        Plain(Empty(c.Extension) && c.SystemElement is null && c.VersionElement is null && c.CodeElement is null && c.DisplayElement is null && c.UserSelectedElement is null);
        w.WriteStartObject();
        String(w, "id"u8, c.Id);
        String(w, "system"u8, c.System);
        String(w, "version"u8, c.Version);
        String(w, "code"u8, c.Code);
        String(w, "display"u8, c.Display);
        if (c.UserSelected is { } userSelected) w.WriteBoolean("userSelected"u8, userSelected);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, Reference r)
    {
        Plain(Empty(r.Extension) && r.ReferenceElement is null && r.TypeElement is null && r.DisplayElement is null);
        w.WriteStartObject();
        String(w, "id"u8, r.Id);
        String(w, "reference"u8, r.ReferenceValue);
        String(w, "type"u8, r.Type);
        Object(w, "identifier"u8, r.Identifier, Write);
        String(w, "display"u8, r.Display);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, Identifier i)
    {
        Plain(Empty(i.Extension) && i.UseElement is null && i.SystemElement is null && i.ValueElement is null && i.Period is null);
        w.WriteStartObject();
        String(w, "id"u8, i.Id);
        String(w, "use"u8, i.Use);
        Object(w, "type"u8, i.Type, Write);
        String(w, "system"u8, i.System);
        String(w, "value"u8, i.Value);
        Object(w, "assigner"u8, i.Assigner, Write);
        w.WriteEndObject();
    }

    private static void String(Utf8JsonWriter w, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null) w.WriteString(name, value);
    }

    private static void Object<T>(Utf8JsonWriter w, ReadOnlySpan<byte> name, T? value, Action<Utf8JsonWriter, T> write) where T : class
    {
        if (value is null) return;
        w.WritePropertyName(name);
        write(w, value);
    }

    private static void Array<T>(Utf8JsonWriter w, ReadOnlySpan<byte> name, List<T>? values, Action<Utf8JsonWriter, T> write) where T : class
    {
        if (values is not { Count: > 0 }) return;
        w.WriteStartArray(name);
        foreach (var value in values)
        {
            if (value is null) w.WriteNullValue();
            else write(w, value);
        }
        w.WriteEndArray();
    }

    private static bool Empty<T>(List<T>? values) => values is not { Count: > 0 };

    private static void Plain(bool plain)
    {
        if (!plain) throw new NotPlainException();
    }

    /// <summary>The event holds something only the general serializer writes.</summary>
    private sealed class NotPlainException : Exception;
}
