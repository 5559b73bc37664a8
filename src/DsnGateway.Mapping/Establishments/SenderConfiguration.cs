using System.Text.Json;
using System.Text.Json.Serialization;
using DsnGateway.Hl7v2.Encoding;
using DsnGateway.Hl7v2.Types;

namespace DsnGateway.Mapping.Establishments;

/// <summary>
/// Reads <c>config/senders.json</c>: establishments, each with the applications that send for it.
/// <code>
/// {
///   "establishments": [
///     { "code": "NIM", "name": "...", "facility": "NIM", "timeZone": "America/Toronto",
///       "defaultCharacterSet": null,
///       "senders": [ { "application": "ADT_NIM" }, { "application": "PHARM_NIM", "messageTypes": ["RDE", "OMP^O09"] } ] }
///   ]
/// }
/// </code>
/// <c>facility</c> defaults to the code, <c>timeZone</c> to America/Toronto, <c>messageTypes</c> (absent) to every
/// supported type. A wrong file is a start-up error (<see cref="SenderConfigurationException"/>) that names the
/// problem: running with a half-understood sender list would misfile records.
/// </summary>
public static class SenderConfiguration
{
    public const string DefaultTimeZone = "America/Toronto";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public static SenderRegistry Load(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SenderConfigurationException($"Cannot read the sender configuration {path}: {ex.Message}", ex);
        }
        return Parse(json, path);
    }

    public static SenderRegistry Parse(string json, string source = "senders.json")
    {
        SendersFile? file;
        try
        {
            file = JsonSerializer.Deserialize<SendersFile>(json, Options);
        }
        catch (JsonException ex)
        {
            throw new SenderConfigurationException($"{source} is not valid JSON: {ex.Message}", ex);
        }
        if (file?.Establishments is not { Count: > 0 } list) throw new SenderConfigurationException($"{source} lists no establishments.");

        var establishments = new List<Establishment>();
        var senders = new List<Sender>();
        foreach (var e in list)
        {
            if (string.IsNullOrWhiteSpace(e.Code)) throw new SenderConfigurationException($"{source}: an establishment has no code.");
            var code = e.Code.Trim();
            var zone = string.IsNullOrWhiteSpace(e.TimeZone) ? DefaultTimeZone : e.TimeZone.Trim();
            if (Hl7DateTime.FindZone(zone) is null) throw new SenderConfigurationException($"{source}: establishment {code} has an unknown time zone '{zone}' (an IANA id such as America/Toronto).");
            if (!string.IsNullOrWhiteSpace(e.DefaultCharacterSet) && !Hl7CharacterSets.IsKnown(e.DefaultCharacterSet))
                throw new SenderConfigurationException($"{source}: establishment {code} has an unknown default character set '{e.DefaultCharacterSet}' (an MSH-18 name such as 8859/1 or UNICODE UTF-8).");
            var establishment = new Establishment(code, string.IsNullOrWhiteSpace(e.Name) ? code : e.Name.Trim(), string.IsNullOrWhiteSpace(e.Facility) ? code : e.Facility.Trim(), zone,
                string.IsNullOrWhiteSpace(e.DefaultCharacterSet) ? null : e.DefaultCharacterSet.Trim());
            establishments.Add(establishment);
            foreach (var s in e.Senders ?? [])
            {
                if (string.IsNullOrWhiteSpace(s.Application)) throw new SenderConfigurationException($"{source}: a sender of {code} has no application (MSH-3.1).");
                if (s.MessageTypes is { } types && types.Any(string.IsNullOrWhiteSpace))
                    throw new SenderConfigurationException($"{source}: sender {s.Application} of {code} lists an empty message type.");
                senders.Add(new Sender(s.Application.Trim(), establishment, s.MessageTypes?.Select(t => t.Trim()).ToList()));
            }
        }

        try
        {
            return new SenderRegistry(new EstablishmentRegistry(establishments), senders);
        }
        catch (ArgumentException ex)
        {
            throw new SenderConfigurationException($"{source}: {ex.Message}", ex);
        }
    }

    private sealed class SendersFile
    {
        [JsonPropertyName("establishments")]
        public List<EstablishmentEntry>? Establishments { get; set; }
    }

    private sealed class EstablishmentEntry
    {
        public string? Code { get; set; }
        public string? Name { get; set; }
        public string? Facility { get; set; }
        public string? TimeZone { get; set; }
        public string? DefaultCharacterSet { get; set; }
        public List<SenderEntry>? Senders { get; set; }
    }

    private sealed class SenderEntry
    {
        public string? Application { get; set; }
        public List<string>? MessageTypes { get; set; }
    }
}

/// <summary>The sender configuration cannot be used; the message says what to fix.</summary>
public sealed class SenderConfigurationException : Exception
{
    public SenderConfigurationException(string message) : base(message) { }

    public SenderConfigurationException(string message, Exception inner) : base(message, inner) { }
}
