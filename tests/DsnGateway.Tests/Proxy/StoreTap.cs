using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DsnGateway.Tests.Proxy;

/// <summary>
/// Between the gateway and a store process, on its own port: passes every request on and notes the Authorization header
/// the store was sent; on demand it answers the next request 401 itself, as a store that revoked the token would.
/// </summary>
public sealed class StoreTap : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _refuseNext;

    private StoreTap(WebApplication app) => _app = app;

    /// <summary>The Authorization headers the store was sent (or refused by the tap), in order.</summary>
    public ConcurrentQueue<string> Saw { get; } = new();

    public string Url { get; private set; } = "";

    /// <summary>The next request is answered 401 without reaching the store.</summary>
    public void RefuseNext() => Volatile.Write(ref _refuseNext, 1);

    public static async Task<StoreTap> StartAsync(Uri store)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var tap = new StoreTap(builder.Build());
        var forward = new HttpClient { BaseAddress = store };
        tap._app.Run(async http =>
        {
            tap.Saw.Enqueue(http.Request.Headers.Authorization.ToString());
            if (Interlocked.Exchange(ref tap._refuseNext, 0) == 1)
            {
                http.Response.StatusCode = StatusCodes.Status401Unauthorized;
                http.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
                return;
            }
            using var request = new HttpRequestMessage(new HttpMethod(http.Request.Method), http.Request.Path.Value!.TrimStart('/') + http.Request.QueryString);
            var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body);
            if (body.Length > 0)
            {
                request.Content = new ByteArrayContent(body.ToArray());
                if (http.Request.ContentType is { } type) request.Content.Headers.TryAddWithoutValidation("Content-Type", type);
            }
            foreach (var (name, values) in http.Request.Headers)
            {
                if (name is "Host" or "Content-Type" or "Content-Length" or "Transfer-Encoding") continue;
                request.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
            using var response = await forward.SendAsync(request);
            http.Response.StatusCode = (int)response.StatusCode;
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            {
                if (name is "Transfer-Encoding" or "Content-Length") continue;
                http.Response.Headers[name] = values.ToArray();
            }
            await response.Content.CopyToAsync(http.Response.Body);
        });
        await tap._app.StartAsync();
        tap.Url = tap._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return tap;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
