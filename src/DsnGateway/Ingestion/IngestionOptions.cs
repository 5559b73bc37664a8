namespace DsnGateway.Ingestion;

/// <summary>Section <c>Ingestion</c>: how legacy systems reach the gateway.</summary>
internal sealed class IngestionOptions
{
    public const string Section = "Ingestion";

    /// <summary>The sender registry (establishments and their sending applications), in the config directory.</summary>
    public string SendersFile { get; set; } = "senders.json";

    /// <summary>The code maps (local drug and procedure codes to DIN and CCI), in the config directory.</summary>
    public string CodeMapsFile { get; set; } = "code-maps.json";

    /// <summary>The layouts of the establishments' CSV exports, in the config directory.</summary>
    public string CsvLayoutsFile { get; set; } = "csv-layouts.json";

    /// <summary>The largest message accepted, over MLLP and HTTP alike.</summary>
    public int MaxMessageBytes { get; set; } = 1024 * 1024;

    public MllpOptions Mllp { get; set; } = new();
}

/// <summary>Section <c>Ingestion:Mllp</c>.</summary>
internal sealed class MllpOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>host:port (overridden by --mllp).</summary>
    public string Endpoint { get; set; } = "127.0.0.1:2575";

    /// <summary>A connection silent this long is closed.</summary>
    public int IdleTimeoutSeconds { get; set; } = 300;

    /// <summary>
    /// A frame begun (a start block, or bytes that are not line ends) and not ended within this many seconds is answered
    /// AR when its MSH can be read, and the connection closed: it does not hold the connection for the idle timeout.
    /// 0 or less: no frame timeout.
    /// </summary>
    public int FrameTimeoutSeconds { get; set; } = 30;

    /// <summary>MLLP over TLS: the server certificate (PKCS#12). Unset, MLLP is plain TCP.</summary>
    public string? TlsCertificatePath { get; set; }

    public string? TlsCertificatePassword { get; set; }
}
