using System.Buffers;
using System.Text.Json;
using DsnGateway.Fhir.Serialization;
using Hl7.Fhir.Model;

namespace DsnGateway.Audit;

/// <summary>
/// An AuditEvent's JSON as the audit store hashes and keeps it: byte for byte what Firely's serializer
/// (<see cref="FhirJson.Serialize"/>) writes, but written straight from the properties <see cref="AuditEventFactory"/>
/// sets. Every read and search pays for one audit record, and the general serializer cost the audited read a tenth to
/// a fifth of its CPU (docs/benchmarks.md, issue 12; ADR 0009 allows a hand-written writer on the read path when it is
/// measurably faster and kept equal to Firely's output by a test: <c>AuditEventJsonTests</c>). Anything the factory never
/// sets (extensions, element ids, narrative, periods, locations, ...) sends the event to Firely's serializer instead, so
/// no element is ever dropped.
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
            using var writer = new Utf8JsonWriter(buffer, WriterOptions);
            Write(writer, auditEvent);
        }
        catch (NotPlainException)
        {
            buffer.ResetWrittenCount();
            using var writer = new Utf8JsonWriter(buffer, WriterOptions);
            JsonSerializer.Serialize<Resource>(writer, auditEvent, FhirJson.Options);
        }
        return buffer.WrittenSpan;
    }

    /// <summary>Whether the event was written by hand (true) or had to go to Firely's serializer: for the tests.</summary>
    internal static bool IsPlain(AuditEvent auditEvent)
    {
        try
        {
            using var writer = new Utf8JsonWriter(Stream.Null, WriterOptions);
            Write(writer, auditEvent);
            return true;
        }
        catch (NotPlainException)
        {
            return false;
        }
    }

    private static void Write(Utf8JsonWriter w, AuditEvent e)
    {
        Plain(e.ImplicitRulesElement is null && e.LanguageElement is null && e.Text is null && e.Contained.Count == 0
            && e.Extension.Count == 0 && e.ModifierExtension.Count == 0 && e.Period is null);
        w.WriteStartObject();
        w.WriteString("resourceType"u8, "AuditEvent"u8);
        String(w, "id"u8, e.IdElement);
        if (e.Meta is { } meta) Write(w, meta);
        Object(w, "type"u8, e.Type);
        Array(w, "subtype"u8, e.Subtype);
        String(w, "action"u8, e.ActionElement);
        String(w, "recorded"u8, e.RecordedElement);
        String(w, "outcome"u8, e.OutcomeElement);
        String(w, "outcomeDesc"u8, e.OutcomeDescElement);
        Array(w, "purposeOfEvent"u8, e.PurposeOfEvent);
        if (e.Agent.Count > 0)
        {
            w.WriteStartArray("agent"u8);
            foreach (var agent in e.Agent) Write(w, agent);
            w.WriteEndArray();
        }
        if (e.Source is { } source)
        {
            Plain(Bare(source) && source.ModifierExtension.Count == 0);
            w.WriteStartObject("source"u8);
            String(w, "site"u8, source.SiteElement);
            Object(w, "observer"u8, source.Observer);
            Array(w, "type"u8, source.Type);
            w.WriteEndObject();
        }
        if (e.Entity.Count > 0)
        {
            w.WriteStartArray("entity"u8);
            foreach (var entity in e.Entity) Write(w, entity);
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, Meta m)
    {
        Plain(Bare(m) && m.VersionIdElement is null && m.LastUpdatedElement is null && m.SourceElement is null
            && m.ProfileElement.Count == 0 && m.Security.Count == 0);
        w.WriteStartObject("meta"u8);
        Array(w, "tag"u8, m.Tag);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, AuditEvent.AgentComponent a)
    {
        Plain(Bare(a) && a.ModifierExtension.Count == 0 && a.NameElement is null && a.Location is null && a.Media is null);
        w.WriteStartObject();
        Object(w, "type"u8, a.Type);
        Array(w, "role"u8, a.Role);
        Object(w, "who"u8, a.Who);
        String(w, "altId"u8, a.AltIdElement);
        if (a.RequestorElement is { } requestor)
        {
            Plain(Bare(requestor) && requestor.Value is not null);
            w.WriteBoolean("requestor"u8, requestor.Value!.Value);
        }
        if (a.PolicyElement.Count > 0)
        {
            w.WriteStartArray("policy"u8);
            foreach (var policy in a.PolicyElement)
            {
                Plain(policy is not null && Bare(policy) && policy.Value is not null);
                w.WriteStringValue(policy!.Value);
            }
            w.WriteEndArray();
        }
        if (a.Network is { } network)
        {
            Plain(Bare(network) && network.ModifierExtension.Count == 0);
            w.WriteStartObject("network"u8);
            String(w, "address"u8, network.AddressElement);
            String(w, "type"u8, network.TypeElement);
            w.WriteEndObject();
        }
        Array(w, "purposeOfUse"u8, a.PurposeOfUse);
        w.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter w, AuditEvent.EntityComponent e)
    {
        Plain(Bare(e) && e.ModifierExtension.Count == 0 && e.Lifecycle is null && e.SecurityLabel.Count == 0 && e.NameElement is null);
        w.WriteStartObject();
        Object(w, "what"u8, e.What);
        Object(w, "type"u8, e.Type);
        Object(w, "role"u8, e.Role);
        String(w, "description"u8, e.DescriptionElement);
        if (e.QueryElement is { } query)
        {
            Plain(Bare(query) && query.Value is not null);
            w.WriteBase64String("query"u8, query.Value);
        }
        if (e.Detail.Count > 0)
        {
            w.WriteStartArray("detail"u8);
            foreach (var detail in e.Detail)
            {
                Plain(Bare(detail) && detail.ModifierExtension.Count == 0 && detail.Value is FhirString);
                w.WriteStartObject();
                String(w, "type"u8, detail.TypeElement);
                String(w, "valueString"u8, (FhirString)detail.Value);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    private static void Object(Utf8JsonWriter w, ReadOnlySpan<byte> name, Coding? c)
    {
        if (c is null) return;
        w.WritePropertyName(name);
        Write(w, c);
    }

    private static void Write(Utf8JsonWriter w, Coding c)
    {
        Plain(Bare(c) && c.VersionElement is null && c.UserSelectedElement is null);
        w.WriteStartObject();
        String(w, "system"u8, c.SystemElement);
        String(w, "code"u8, c.CodeElement);
        String(w, "display"u8, c.DisplayElement);
        w.WriteEndObject();
    }

    private static void Object(Utf8JsonWriter w, ReadOnlySpan<byte> name, CodeableConcept? c)
    {
        if (c is null) return;
        w.WritePropertyName(name);
        Write(w, c);
    }

    private static void Write(Utf8JsonWriter w, CodeableConcept c)
    {
        Plain(Bare(c));
        w.WriteStartObject();
        Array(w, "coding"u8, c.Coding);
        String(w, "text"u8, c.TextElement);
        w.WriteEndObject();
    }

    private static void Array(Utf8JsonWriter w, ReadOnlySpan<byte> name, List<Coding> codings) => Array(w, name, codings, Write);

    private static void Array(Utf8JsonWriter w, ReadOnlySpan<byte> name, List<CodeableConcept> concepts) => Array(w, name, concepts, Write);

    private static void Array<T>(Utf8JsonWriter w, ReadOnlySpan<byte> name, List<T> items, Action<Utf8JsonWriter, T> write)
        where T : class
    {
        if (items.Count == 0) return;
        w.WriteStartArray(name);
        foreach (var item in items)
        {
            Plain(item is not null);
            write(w, item!);
        }
        w.WriteEndArray();
    }

    private static void Object(Utf8JsonWriter w, ReadOnlySpan<byte> name, ResourceReference? r)
    {
        if (r is null) return;
        Plain(Bare(r));
        w.WriteStartObject(name);
        String(w, "reference"u8, r.ReferenceElement);
        String(w, "type"u8, r.TypeElement);
        if (r.Identifier is { } identifier)
        {
            Plain(Bare(identifier) && identifier.UseElement is null && identifier.Type is null && identifier.Period is null && identifier.Assigner is null);
            w.WriteStartObject("identifier"u8);
            String(w, "system"u8, identifier.SystemElement);
            String(w, "value"u8, identifier.ValueElement);
            w.WriteEndObject();
        }
        String(w, "display"u8, r.DisplayElement);
        w.WriteEndObject();
    }

    /// <summary>A primitive whose JSON is a string: its JSON form as Firely holds it (anything else goes to Firely).</summary>
    private static void String(Utf8JsonWriter w, ReadOnlySpan<byte> name, PrimitiveType? p)
    {
        if (p is null) return;
        Plain(Bare(p));
        var text = p.JsonValue as string;
        Plain(text is not null);
        w.WriteString(name, text);
    }

    /// <summary>No element id and no extension: the only kind of element this writer writes.</summary>
    private static bool Bare(Element element) => element.ElementId is null && element.Extension.Count == 0;

    private static void Plain(bool condition)
    {
        if (!condition) throw new NotPlainException();
    }

    private sealed class NotPlainException : Exception;
}
