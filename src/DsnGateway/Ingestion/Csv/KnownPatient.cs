namespace DsnGateway.Ingestion.Csv;

/// <summary>A patient the gateway already knows, as found by one of its identifiers.</summary>
/// <param name="IdentityKey">Its identity key (<c>system|value</c>): the NAM key when the person is known by NAM, else the MRN key.</param>
/// <param name="Nam">Its NAM, when it has one.</param>
internal sealed record KnownPatient(string IdentityKey, string? Nam);
