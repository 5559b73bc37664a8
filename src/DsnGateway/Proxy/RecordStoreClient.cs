using System.Net;
using System.Text;
using System.Text.Json;
using DsnGateway.EmbeddedStore;
using DsnGateway.Fhir.Outcomes;
using DsnGateway.Runtime;
using DsnGateway.RecordStore.Interactions;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace DsnGateway.Proxy;

/// <summary>
/// The gateway's own requests to the record store (authorization checks, admin operations), over the same
/// transport the proxy uses: in memory when embedded, HTTP with the configured credentials when remote.
/// The checks made on every read (count, exists) go straight to the embedded store's service when there is
/// one: the same search code, without a request and a Bundle to build and parse.
/// </summary>
internal sealed class RecordStoreClient : IDisposable
{
    private readonly HttpMessageInvoker _invoker;
    private readonly Uri _base;
    private readonly string? _authorization;
    private readonly RecordStoreService? _embedded;

    public RecordStoreClient(IForwarderHttpClientFactory factory, IOptions<RecordStoreConnectionOptions> options, EmbeddedRecordStore? embedded = null)
    {
        var invoker = factory.CreateClient(new ForwarderHttpClientContext { NewConfig = HttpClientConfig.Empty });
        // A remote store answers by the deadline or counts as unreachable; the embedded one is this process.
        _invoker = embedded is null ? new HttpMessageInvoker(new StoreDeadlineHandler(invoker, options.Value.Timeout), disposeHandler: true) : invoker;
        _base = RecordStoreRoute.StoreBase(options.Value);
        _authorization = options.Value.RemoteAuthorization;
        _embedded = embedded?.Services.GetRequiredService<RecordStoreService>();
    }

    /// <summary>How many current resources match the search (the store counts; nothing is returned).</summary>
    public async Task<long> CountAsync(string resourceType, IEnumerable<KeyValuePair<string, string>> parameters, CancellationToken cancellationToken)
    {
        if (_embedded is not null)
        {
            try
            {
                var count = _embedded.Parser.Parse(resourceType, parameters.Append(KeyValuePair.Create("_summary", "count")), lenient: false);
                return (await _embedded.SearchAsync(count, cancellationToken)).Total ?? 0;
            }
            catch (FhirOperationException ex)
            {
                throw new RecordStoreException((HttpStatusCode)ex.StatusCode, ex.Message);
            }
        }

        var query = string.Join("&", parameters.Append(KeyValuePair.Create("_summary", "count"))
            .Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
        using var response = await SendAsync(HttpMethod.Get, $"{resourceType}?{query}", null, null, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new RecordStoreException(response.StatusCode, Encoding.UTF8.GetString(body));
        using var document = JsonDocument.Parse(body);
        return document.RootElement.TryGetProperty("total", out var total) ? total.GetInt64() : 0;
    }

    /// <summary>The matching resources of a search (first page; the callers ask for identifiers, which match few).</summary>
    public async Task<IReadOnlyList<Hl7.Fhir.Model.Resource>> SearchAsync(string resourceType, IEnumerable<KeyValuePair<string, string>> parameters, CancellationToken cancellationToken)
    {
        var query = string.Join("&", parameters.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
        using var response = await SendAsync(HttpMethod.Get, $"{resourceType}?{query}", null, null, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode) throw new RecordStoreException(response.StatusCode, body);
        var bundle = Fhir.Serialization.FhirJson.Parse<Hl7.Fhir.Model.Bundle>(body);
        return bundle.Entry.Where(e => e.Search?.Mode != Hl7.Fhir.Model.Bundle.SearchEntryMode.Include && e.Resource is not null && e.Resource is not Hl7.Fhir.Model.OperationOutcome)
            .Select(e => e.Resource!).ToList();
    }

    /// <summary>True when the resource exists and is not deleted.</summary>
    public async Task<bool> ExistsAsync(string resourceType, string id, CancellationToken cancellationToken)
    {
        if (_embedded is not null)
        {
            try
            {
                await _embedded.ReadAsync(resourceType, id, cancellationToken);
                return true;
            }
            catch (FhirOperationException ex) when (ex.StatusCode is 404 or 410)
            {
                return false;
            }
        }
        using var response = await SendAsync(HttpMethod.Get, $"{resourceType}/{Uri.EscapeDataString(id)}", null, null, cancellationToken);
        return response.StatusCode switch
        {
            HttpStatusCode.OK => true,
            HttpStatusCode.NotFound or HttpStatusCode.Gone => false,
            _ => throw new RecordStoreException(response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken)),
        };
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string relativeUrl, string? jsonBody, string? ifMatch, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(_base, relativeUrl));
        if (jsonBody is not null) request.Content = new StringContent(jsonBody, Encoding.UTF8, "application/fhir+json");
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        if (_authorization is { Length: > 0 }) request.Headers.TryAddWithoutValidation("Authorization", _authorization);
        return await _invoker.SendAsync(request, cancellationToken);
    }

    public void Dispose() => _invoker.Dispose();
}

/// <summary>The store answered a check with an unexpected status.</summary>
internal sealed class RecordStoreException(HttpStatusCode status, string body)
    : Exception($"The record store answered {(int)status}.")
{
    public HttpStatusCode Status { get; } = status;

    public string Body { get; } = body;
}
