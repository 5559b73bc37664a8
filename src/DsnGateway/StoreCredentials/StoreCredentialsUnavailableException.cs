namespace DsnGateway.StoreCredentials;

/// <summary>
/// The gateway could not obtain its own token for the record store (provider down, client refused, bad answer).
/// An <see cref="HttpRequestException"/> on purpose: every door already treats "the store cannot be reached" as
/// transient (503 on reads, the message kept in the inbox and retried), and without a token the store cannot be reached.
/// The message never holds the secret or a token.
/// </summary>
internal sealed class StoreCredentialsUnavailableException(string reason, Exception? inner = null)
    : HttpRequestException($"The gateway could not obtain its access token for the record store: {reason}", inner)
{
    public string Reason { get; } = reason;
}
