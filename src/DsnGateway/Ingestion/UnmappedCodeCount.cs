using DsnGateway.Mapping.Codes;

namespace DsnGateway.Ingestion;

/// <summary>One line of the unmapped-codes report: a local code, how many accepted messages carried it, and when.</summary>
internal sealed record UnmappedCodeCount(string Establishment, CodeKind Kind, string System, string Code, string? Display, long Count,
    DateTimeOffset FirstSeen, DateTimeOffset LastSeen);
