using System.Text.Json;

namespace DsnGateway.Authorization;

/// <summary>
/// The patients a FHIR response body shows: a Patient's own id, the subject of an order or procedure, and
/// the same for every entry of a Bundle. Read from the JSON as it goes out, so the audit names exactly
/// what was disclosed. One forward pass of a reader over the bytes: the body is already in memory, and
/// building a document of it for a handful of properties cost more than the rest of the audit.
/// </summary>
internal static class PatientsInResponse
{
    public static IReadOnlyList<string> Find(ReadOnlySpan<byte> json)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256 });
            if (!reader.Read()) return [];
            if (reader.TokenType == JsonTokenType.StartObject) ReadResource(ref reader, found);
            else reader.Skip();
            // The whole body must be one JSON value; anything after it makes it not JSON, as a document parse would say.
            while (reader.Read())
            {
            }
        }
        catch (JsonException)
        {
            return []; // Not JSON: nothing to name.
        }
        return [.. found];
    }

    /// <summary>Reads one resource object (the reader on its StartObject, left on its EndObject).</summary>
    private static void ReadResource(ref Utf8JsonReader reader, SortedSet<string> found)
    {
        string? type = null;
        string? id = null;
        List<string>? references = null;
        SortedSet<string>? inEntries = null;
        var hasEntries = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("resourceType"u8))
            {
                type = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                id = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("subject"u8) || reader.ValueTextEquals("patient"u8))
            {
                if (ReadReference(ref reader) is { } reference) (references ??= []).Add(reference);
            }
            else if (reader.ValueTextEquals("entry"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    hasEntries = true;
                    ReadEntries(ref reader, inEntries ??= new SortedSet<string>(StringComparer.Ordinal));
                }
                else
                {
                    reader.Skip();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        switch (type)
        {
            case null:
                return; // not a resource
            case "Patient" when id is not null:
                found.Add("Patient/" + id);
                return;
            case "Bundle" when hasEntries:
                found.UnionWith(inEntries!);
                return;
            case "AuditEvent" or "OperationOutcome" or "CapabilityStatement":
                return;
            default:
                foreach (var text in references ?? [])
                {
                    var at = text.LastIndexOf("Patient/", StringComparison.Ordinal);
                    if (at >= 0) found.Add(text[at..]);
                }
                return;
        }
    }

    /// <summary>Bundle entries (the reader on the array's StartArray, left on its EndArray).</summary>
    private static void ReadEntries(ref Utf8JsonReader reader, SortedSet<string> found)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isResource = reader.ValueTextEquals("resource"u8);
                reader.Read();
                if (isResource && reader.TokenType == JsonTokenType.StartObject) ReadResource(ref reader, found);
                else reader.Skip();
            }
        }
    }

    /// <summary>The string value of the property the reader is on, or null (the value skipped) when it is not a string.</summary>
    private static string? ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String) return reader.GetString();
        reader.Skip();
        return null;
    }

    /// <summary>The <c>reference</c> of the Reference object the property holds, if any.</summary>
    private static string? ReadReference(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }
        string? reference = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("reference"u8)) reference = ReadString(ref reader);
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return reference;
    }
}
