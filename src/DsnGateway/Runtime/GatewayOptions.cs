using Microsoft.AspNetCore.Http;

namespace DsnGateway.Runtime;

/// <summary>Section <c>Gateway</c>.</summary>
internal sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>Where the FHIR API is served, under the gateway's own base.</summary>
    public const string FhirPath = "/fhir";

    /// <summary>The clinician's break-the-glass header: read by access control, never passed on to the store.</summary>
    public const string BreakGlassHeader = "X-Break-Glass";

    /// <summary>Where the gateway listens (overridden by --urls).</summary>
    public string Urls { get; set; } = "http://127.0.0.1:8080";

    /// <summary>The base URL clients see in links (e.g. https://dsn.example/fhir); unset, the request's own scheme and host plus /fhir.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>The FHIR base clients see in links: <see cref="PublicBaseUrl"/>, else this request's scheme and host plus /fhir.</summary>
    public string PublicFhirBase(HttpRequest request) =>
        !string.IsNullOrEmpty(PublicBaseUrl)
            ? PublicBaseUrl.TrimEnd('/')
            : $"{request.Scheme}://{request.Host}{request.PathBase}{FhirPath}";
}

/// <summary>Section <c>RecordStore</c>: which FHIR R4 server the gateway fronts.</summary>
internal sealed class RecordStoreConnectionOptions
{
    public const string Section = "RecordStore";

    /// <summary><c>Embedded</c> (the store in this process, SQLite under the data directory) or <c>Remote</c>.</summary>
    public RecordStoreMode Mode { get; set; } = RecordStoreMode.Embedded;

    /// <summary>The remote store's FHIR base URL (Mode Remote).</summary>
    public string? RemoteUrl { get; set; }

    /// <summary>Sent as the Authorization header to a remote store (e.g. "Bearer …" or "Basic …"); never logged.</summary>
    public string? RemoteAuthorization { get; set; }

    /// <summary>
    /// The deadline of one exchange with a remote store (a proxied request, an authorization check, a delivery): a store
    /// that has not answered, or not finished its body, by then is given up on (504 for a proxied request, 503 for a
    /// check, a retry for a delivery). Validated at start: a positive number of seconds.
    /// </summary>
    public double TimeoutSeconds { get; set; } = 30;

    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds);

    /// <summary>The embedded store's database file, relative to the data directory.</summary>
    public string DatabaseFile { get; set; } = "records.db";
}

internal enum RecordStoreMode
{
    Embedded,
    Remote,
}
