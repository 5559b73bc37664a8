namespace DsnGateway.RecordStore;

/// <summary>Configuration of the record store (section <c>RecordStore</c>).</summary>
public sealed class RecordStoreOptions
{
    /// <summary>The SQLite database file.</summary>
    public string DatabasePath { get; set; } = Path.Combine("data", "records.db");

    /// <summary>The base URL links are written with; unset, the request's own scheme, host and path.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>Bodies larger than this are refused with 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 32 * 1024 * 1024;
}
