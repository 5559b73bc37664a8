namespace DsnGateway.Mapping.Establishments;

/// <summary>
/// A legacy system allowed to send: the pair (MSH-3.1 sending application, MSH-4.1 its establishment's facility).
/// By default it may send every supported message type; <see cref="AllowedMessageTypes"/> narrows it.
/// </summary>
/// <param name="AllowedMessageTypes">
/// Null for all supported types; else entries such as <c>ADT</c> (every trigger) or <c>ADT^A08</c> (one trigger).
/// </param>
public sealed record Sender(string Application, Establishment Establishment, IReadOnlyList<string>? AllowedMessageTypes = null)
{
    public string Facility => Establishment.Facility;

    /// <summary>Whether this sender may send MSH-9 <paramref name="messageCode"/>^<paramref name="triggerEvent"/>.</summary>
    public bool Allows(string messageCode, string triggerEvent)
    {
        if (AllowedMessageTypes is null) return true;
        var full = $"{messageCode}^{triggerEvent}";
        return AllowedMessageTypes.Any(t =>
            string.Equals(t.Trim(), messageCode, StringComparison.OrdinalIgnoreCase) ||
            string.Equals(t.Trim(), full, StringComparison.OrdinalIgnoreCase));
    }

    public override string ToString() => $"{Application}/{Facility}";
}

/// <summary>
/// Registered senders by (MSH-3.1, MSH-4.1), compared case-insensitively, and the establishments behind them.
/// A message from any other pair is refused at the envelope (AR 204): an unknown system never writes a record.
/// </summary>
public sealed class SenderRegistry
{
    private readonly Dictionary<(string Application, string Facility), Sender> _senders = new(SenderKeyComparer.Instance);

    public SenderRegistry(EstablishmentRegistry establishments, IEnumerable<Sender> senders)
    {
        ArgumentNullException.ThrowIfNull(establishments);
        ArgumentNullException.ThrowIfNull(senders);
        Establishments = establishments;
        foreach (var s in senders)
        {
            if (string.IsNullOrWhiteSpace(s.Application)) throw new ArgumentException($"A sender of {s.Establishment.Code} needs an application (MSH-3.1).", nameof(senders));
            if (establishments.ByCode(s.Establishment.Code) != s.Establishment)
                throw new ArgumentException($"Sender {s} belongs to an establishment that is not registered.", nameof(senders));
            if (!_senders.TryAdd((s.Application.Trim(), s.Facility.Trim()), s)) throw new ArgumentException($"Sender {s} is registered twice.", nameof(senders));
        }
        All = _senders.Values.ToList();
    }

    public EstablishmentRegistry Establishments { get; }

    public IReadOnlyList<Sender> All { get; }

    /// <summary>The sender of MSH-3.1 <paramref name="application"/> at MSH-4.1 <paramref name="facility"/>, or null.</summary>
    public Sender? Find(string? application, string? facility) =>
        application is null || facility is null ? null
        : _senders.TryGetValue((application.Trim(), facility.Trim()), out var s) ? s : null;

    private sealed class SenderKeyComparer : IEqualityComparer<(string Application, string Facility)>
    {
        public static readonly SenderKeyComparer Instance = new();

        public bool Equals((string Application, string Facility) x, (string Application, string Facility) y) =>
            StringComparer.OrdinalIgnoreCase.Equals(x.Application, y.Application) && StringComparer.OrdinalIgnoreCase.Equals(x.Facility, y.Facility);

        public int GetHashCode((string Application, string Facility) k) =>
            HashCode.Combine(StringComparer.OrdinalIgnoreCase.GetHashCode(k.Application), StringComparer.OrdinalIgnoreCase.GetHashCode(k.Facility));
    }
}
