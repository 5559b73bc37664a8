namespace DsnGateway.StoreCredentials;

/// <summary>
/// Where the gateway's token for the remote store comes from: the client credentials grant through Duende.IdentityModel
/// (any OpenID provider) or MSAL toward Entra ID. A source only asks for a new token each time it is called; caching,
/// the one request in flight, renewal before expiry, the 401 renewal and the back-off after a failure are
/// <see cref="StoreAccessTokens"/>'s alone, the same whichever source is configured.
/// </summary>
internal interface IStoreTokenSource : IDisposable
{
    /// <summary>Where tokens come from, for the start-up log (an address, never a credential).</summary>
    string Provider { get; }

    /// <summary>A new token from the provider, never one cached by the library underneath.</summary>
    /// <exception cref="StoreCredentialsUnavailableException">the provider refused or could not be reached; the reason holds no secret.</exception>
    Task<IssuedStoreToken> RequestAsync(CancellationToken cancellationToken);
}

/// <summary>An access token and how long it is valid from now on.</summary>
internal sealed record IssuedStoreToken(string Value, TimeSpan Lifetime);
