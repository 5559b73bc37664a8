using System.Net;
using System.Net.Http.Headers;

namespace DsnGateway.StoreCredentials;

/// <summary>
/// Puts the gateway's own bearer token on every request to the remote store, whatever Authorization it carried (the
/// proxy removes the clinician's before this runs, and this replaces anything left). A 401 from the store means the
/// token was refused (revoked, keys rolled over): the token is dropped and, when the request can be sent again (no
/// body, or a body held in memory), it is sent once more with a new one. A streamed body cannot be sent twice: that
/// request answers the 401, and the next one gets the new token.
/// </summary>
internal sealed class StoreCredentialsHandler(StoreAccessTokens tokens, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var token = await tokens.GetAsync(cancellationToken);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized) return response;
        tokens.Refused(token);
        if (!CanSendAgain(request)) return response;
        var fresh = await tokens.GetAsync(cancellationToken);
        response.Dispose();
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fresh);
        return await base.SendAsync(request, cancellationToken);
    }

    private static bool CanSendAgain(HttpRequestMessage request) => request.Content is null or ByteArrayContent;
}
