namespace DsnGateway.Mapping.Establishments;

/// <summary>
/// The registered establishments, found by code (CX.4.1 of an MRN, case-insensitive) or by facility (MSH-4.1).
/// Only a registered code makes a PID-3 repetition an MRN: identity must never hang on an authority nobody onboarded.
/// </summary>
public sealed class EstablishmentRegistry
{
    private readonly Dictionary<string, Establishment> _byCode = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Establishment> _byFacility = new(StringComparer.OrdinalIgnoreCase);

    public EstablishmentRegistry(IEnumerable<Establishment> establishments)
    {
        ArgumentNullException.ThrowIfNull(establishments);
        foreach (var e in establishments)
        {
            if (string.IsNullOrWhiteSpace(e.Code)) throw new ArgumentException("An establishment needs a code.", nameof(establishments));
            if (string.IsNullOrWhiteSpace(e.Facility)) throw new ArgumentException($"Establishment {e.Code} needs a facility (MSH-4.1).", nameof(establishments));
            if (!_byCode.TryAdd(e.Code.Trim(), e)) throw new ArgumentException($"Establishment code {e.Code} is registered twice.", nameof(establishments));
            if (!_byFacility.TryAdd(e.Facility.Trim(), e)) throw new ArgumentException($"Facility {e.Facility} is registered twice.", nameof(establishments));
        }
        All = _byCode.Values.ToList();
    }

    public IReadOnlyList<Establishment> All { get; }

    /// <summary>The establishment whose code this is (e.g. CX.4.1 <c>nim</c>), or null.</summary>
    public Establishment? ByCode(string? code) =>
        code is not null && _byCode.TryGetValue(code.Trim(), out var e) ? e : null;

    /// <summary>The establishment that sends this MSH-4.1, or null.</summary>
    public Establishment? ByFacility(string? facility) =>
        facility is not null && _byFacility.TryGetValue(facility.Trim(), out var e) ? e : null;
}
