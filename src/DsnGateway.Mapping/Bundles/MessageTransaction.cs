using System.Security.Cryptography;
using System.Text;
using Hl7.Fhir.Model;
using DsnGateway.Hl7v2;
using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hl7v2.Segments;
using DsnGateway.Mapping.Codes;
using DsnGateway.Mapping.Patients;

namespace DsnGateway.Mapping.Bundles;

/// <summary>
/// The transaction Bundle of one message, as every builder assembles it: the Patient of the PID first
/// (<c>PUT Patient?identifier=</c> its identity), then what the message carries (each a conditional
/// <c>PUT Type?identifier=system|value</c> on its business identifier), then one Provenance naming all of them
/// (<c>PUT Provenance/{id}</c>, its id derived like the fullUrls, so a redelivery adds no second one). Every fullUrl
/// is a urn:uuid derived from the sender, the control id and the entry, so mapping the same message twice gives the
/// same Bundle (a replay or a dry run is comparable with what was committed).
/// </summary>
internal sealed class MessageTransaction(MessageSource source)
{
    private readonly List<Bundle.EntryComponent> _entries = [];
    private readonly List<string> _targets = [];
    private readonly HashSet<UnmappedCode> _unmapped = [];

    public MessageSource Source { get; } = source;

    public IReadOnlyCollection<UnmappedCode> Unmapped => _unmapped;

    /// <summary>The Patient of the message's PID (100 without a PID), mapped by the PID rules.</summary>
    public static MappingResult<Patient> MapPatient(Hl7Message message, MessageSource source, PidMapper pids)
    {
        if (message.Pid() is not { } pid)
            return MappingResult<Patient>.Failure(Hl7ErrorCodes.SegmentSequenceError, new Hl7ErrorLocation("PID"), $"{source.MessageType} requires a PID segment");
        return pids.Map(pid, source.Establishment);
    }

    /// <summary>Adds the Patient entry (one person, one Patient: created on first sight, updated after, atomically).</summary>
    public string AddPatient(Patient patient, PatientIdentity identity, string entryName = "Patient") =>
        Add(patient, entryName, Bundle.HTTPVerb.PUT, identity.ConditionalUrl);

    /// <summary>
    /// The error for a message whose code or trigger event this builder does not map (200 or 201), else null.
    /// <paramref name="kind"/> names what the builder maps ("an order message").
    /// </summary>
    public static MappingError? UnsupportedTrigger(IReadOnlyDictionary<string, IReadOnlySet<string>> supported, MessageSource source, string kind)
    {
        if (!supported.TryGetValue(source.MessageCode, out var triggers))
            return new MappingError(Hl7ErrorCodes.UnsupportedMessageType, new Hl7ErrorLocation("MSH", 1, 9, null, 1), $"message type {source.MessageCode} is not {kind}");
        return triggers.Contains(source.TriggerEvent)
            ? null
            : new MappingError(Hl7ErrorCodes.UnsupportedEventCode, new Hl7ErrorLocation("MSH", 1, 9, null, 2), $"{source.MessageType} is not mapped to FHIR");
    }

    /// <summary>
    /// Adds each resource by a conditional update on its key (or on the URL <paramref name="conditionOf"/> gives for
    /// that key, when it gives one). A message may state one order or procedure twice; a transaction may write a
    /// resource only once, so the later statement replaces the earlier in its place.
    /// </summary>
    public void AddLatestPerKey(string resourceType, IEnumerable<(Resource Resource, Identifier Key, UnmappedCode? Unmapped)> mapped,
        Func<Identifier, string?>? conditionOf = null)
    {
        var latest = new List<(Resource Resource, Identifier Key, UnmappedCode? Unmapped)>();
        foreach (var item in mapped)
        {
            var same = latest.FindIndex(l => l.Key.System == item.Key.System && l.Key.Value == item.Key.Value);
            if (same >= 0) latest[same] = item;
            else latest.Add(item);
        }
        foreach (var (resource, key, unmapped) in latest)
        {
            var entryName = $"{resourceType}|{key.System}|{key.Value}";
            if (conditionOf?.Invoke(key) is { } condition) Add(resource, entryName, Bundle.HTTPVerb.PUT, condition);
            else AddConditional(resource, entryName, key);
            Count(unmapped);
        }
    }

    /// <summary>Adds an entry written by a conditional update on its business identifier.</summary>
    public string AddConditional(Resource resource, string entryName, Identifier key) =>
        Add(resource, entryName, Bundle.HTTPVerb.PUT, ConditionalUrl(resource.TypeName, key));

    public string Add(Resource resource, string entryName, Bundle.HTTPVerb method, string url)
    {
        var fullUrl = DeterministicUrn(Source, entryName);
        _entries.Add(new Bundle.EntryComponent { FullUrl = fullUrl, Resource = resource, Request = new Bundle.RequestComponent { Method = method, Url = url } });
        _targets.Add(fullUrl);
        return fullUrl;
    }

    public void Count(UnmappedCode? code)
    {
        if (code is not null) _unmapped.Add(code);
    }

    /// <summary>The Bundle, with the Provenance of the message naming every entry added.</summary>
    public Bundle Complete(DateTimeOffset receivedAt)
    {
        var entries = new List<Bundle.EntryComponent>(_entries)
        {
            SourceProvenance.Entry(DeterministicUrn(Source, "Provenance"), MessageProvenance.Create(Source, _targets, receivedAt)),
        };
        return new Bundle { Type = Bundle.BundleType.Transaction, Entry = entries };
    }

    public MessageMapping Mapping(DateTimeOffset receivedAt, Patient patient, PatientIdentity identity, bool carriesDemographics, PatientIdentity? merged = null) =>
        new(Complete(receivedAt), patient, identity, Source, merged, [.. _unmapped], carriesDemographics);

    /// <summary>
    /// <c>Type?identifier=system|value</c>: the system is one of ours (no reserved characters); the value is escaped
    /// so that an order number holding <c>&amp;</c>, <c>|</c>, <c>,</c> or a space cannot change the search.
    /// </summary>
    public static string ConditionalUrl(string resourceType, Identifier key) =>
        $"{resourceType}?identifier={Token(key)}";

    /// <summary>
    /// The condition of a resource whose key changed form: it matches the resource holding <paramref name="key"/>, or
    /// one still holding only <paramref name="formerKey"/> (written before the change) whose code is
    /// <paramref name="sameCode"/>: <c>Type?identifier=key,formerKey&amp;code=system|code</c>. The entry's resource
    /// carries only the new key, so the former one matches once at most: the resource it found no longer holds it.
    /// </summary>
    public static string ConditionalUrl(string resourceType, Identifier key, Identifier formerKey, Coding sameCode) =>
        $"{resourceType}?identifier={Token(key)},{Token(formerKey)}&code={Uri.EscapeDataString(SearchEscaped(sameCode.System ?? ""))}|{Uri.EscapeDataString(SearchEscaped(sameCode.Code!))}";

    private static string Token(Identifier key) => $"{key.System}|{Uri.EscapeDataString(SearchEscaped(key.Value!))}";

    /// <summary>FHIR search escaping: a <c>,</c> would split the value in two (an OR), a <c>|</c> or <c>$</c> end it.</summary>
    private static string SearchEscaped(string value) =>
        value.Replace("\\", "\\\\").Replace(",", "\\,").Replace("|", "\\|").Replace("$", "\\$");

    /// <summary>A urn:uuid derived from the sender, the control id and the entry name.</summary>
    public static string DeterministicUrn(MessageSource source, string entry)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{source.Establishment.Code}|{source.Sender.Application}|{source.ControlId}|{entry}"));
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80); // version 8: custom (RFC 9562)
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC variant
        return "urn:uuid:" + new Guid(bytes, bigEndian: true).ToString();
    }
}
