namespace DsnGateway.Authorization;

/// <summary>The answer of <see cref="FhirAccessPolicy"/> for one request.</summary>
internal sealed record AccessDecision
{
    public bool IsAllowed { get; private init; }

    public int Status { get; private init; }

    public string? Reason { get; private init; }

    /// <summary>Search parameters added to the caller's query so the store returns only what they may see.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> AddedParameters { get; private init; } = [];

    /// <summary>Patients the request is about, known before it runs (the read target, a denied patient).</summary>
    public IReadOnlyList<string> Patients { get; private init; } = [];

    public static AccessDecision Allow(IReadOnlyList<KeyValuePair<string, string>> added, IReadOnlyList<string> patients) =>
        new() { IsAllowed = true, Status = 200, AddedParameters = added, Patients = patients };

    public static AccessDecision Deny(int status, string reason, IReadOnlyList<string>? patients = null) =>
        new() { IsAllowed = false, Status = status, Reason = reason, Patients = patients ?? [] };
}
