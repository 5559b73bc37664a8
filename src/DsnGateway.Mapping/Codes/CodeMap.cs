using Hl7.Fhir.Model;
using DsnGateway.Mapping.Establishments;

namespace DsnGateway.Mapping.Codes;

/// <summary>One line of a code map: a local code of one establishment and the standard code it means.</summary>
/// <param name="LocalSystem">The sender's CWE.3 the entry applies to; null matches the code under any local system.</param>
public sealed record CodeMapEntry(string Establishment, CodeKind Kind, string Code, string? LocalSystem, string Standard, string? Display);

/// <summary>
/// The per-establishment translations of local codes (drug code to DIN, procedure code to CCI) read from
/// <c>config/code-maps.json</c> (<see cref="CodeMapConfiguration"/>). A code the sender already gives in DIN or CCI
/// is taken as is. A local code found in the map becomes two codings, the standard one first and the local one
/// kept beside it; a local code not found is kept under its local system and reported as unmapped.
/// </summary>
public sealed class CodeMap
{
    private readonly Dictionary<(string Establishment, CodeKind Kind, string Code), List<CodeMapEntry>> _entries;

    public CodeMap(IEnumerable<CodeMapEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        _entries = new Dictionary<(string, CodeKind, string), List<CodeMapEntry>>(KeyComparer.Instance);
        foreach (var entry in entries)
        {
            var key = (entry.Establishment, entry.Kind, entry.Code);
            if (!_entries.TryGetValue(key, out var list)) _entries[key] = list = [];
            if (list.Any(e => string.Equals(e.LocalSystem, entry.LocalSystem, StringComparison.OrdinalIgnoreCase)))
                throw new ArgumentException($"code {entry.Code} of {entry.Establishment} ({entry.Kind}) is mapped twice");
            list.Add(entry);
        }
    }

    /// <summary>A map with no entries: every local code is unmapped.</summary>
    public static CodeMap Empty { get; } = new([]);

    public IEnumerable<CodeMapEntry> Entries => _entries.Values.SelectMany(e => e);

    /// <summary>The standard system a kind of code is mapped to.</summary>
    public static string StandardSystem(CodeKind kind) => kind == CodeKind.Drug ? CodeSystems.Din : CodeSystems.Cci;

    /// <summary>The entry for a local code: one naming its exact local system first, else one for any system.</summary>
    public CodeMapEntry? Find(string establishment, CodeKind kind, string code, string? localSystem)
    {
        if (!_entries.TryGetValue((establishment, kind, code.Trim()), out var list)) return null;
        return list.FirstOrDefault(e => e.LocalSystem is not null && string.Equals(e.LocalSystem, localSystem?.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? list.FirstOrDefault(e => e.LocalSystem is null);
    }

    /// <summary>True when the local code (as stored under <paramref name="system"/>) now has a map: the report leaves it out.</summary>
    public bool Maps(Establishment establishment, CodeKind kind, string system, string code) =>
        _entries.TryGetValue((establishment.Code, kind, code), out var list)
        && list.Any(e => e.LocalSystem is null || CodeSystems.Local(establishment, e.LocalSystem) == system);

    public CodeTranslation Translate(Establishment establishment, CodeKind kind, LocalCode code)
    {
        ArgumentNullException.ThrowIfNull(establishment);
        ArgumentNullException.ThrowIfNull(code);
        var system = CodeSystems.For(establishment, code.CodingSystem);
        var sent = new Coding { System = system, Code = code.Code, Display = code.Display };
        if (CodeSystems.IsStandard(system))
            return new CodeTranslation(new CodeableConcept { Coding = [sent], Text = code.Display }, null);

        if (Find(establishment.Code, kind, code.Code, code.CodingSystem) is { } entry)
        {
            var standard = new Coding { System = StandardSystem(kind), Code = entry.Standard, Display = entry.Display };
            return new CodeTranslation(new CodeableConcept { Coding = [standard, sent], Text = code.Display ?? entry.Display }, null);
        }
        return new CodeTranslation(new CodeableConcept { Coding = [sent], Text = code.Display },
            new UnmappedCode(establishment.Code, kind, system, code.Code, code.Display));
    }

    private sealed class KeyComparer : IEqualityComparer<(string Establishment, CodeKind Kind, string Code)>
    {
        public static readonly KeyComparer Instance = new();

        // Establishment codes are case-insensitive everywhere; local codes are compared as sent.
        public bool Equals((string Establishment, CodeKind Kind, string Code) x, (string Establishment, CodeKind Kind, string Code) y) =>
            string.Equals(x.Establishment, y.Establishment, StringComparison.OrdinalIgnoreCase) && x.Kind == y.Kind && string.Equals(x.Code, y.Code, StringComparison.Ordinal);

        public int GetHashCode((string Establishment, CodeKind Kind, string Code) key) =>
            HashCode.Combine(StringComparer.OrdinalIgnoreCase.GetHashCode(key.Establishment), key.Kind, StringComparer.Ordinal.GetHashCode(key.Code));
    }
}
