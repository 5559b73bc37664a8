namespace DsnGateway.Authorization;

internal sealed partial class FhirAccessMiddleware
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "The access audit could not be written; the request is answered 503")]
        public static partial void AuditUnavailable(ILogger logger, Exception exception);

        [LoggerMessage(2, LogLevel.Warning, "The record store answered {Status} to an authorization check")]
        public static partial void CheckFailed(ILogger logger, int status);

        [LoggerMessage(3, LogLevel.Information, "The token carries {Count} scopes that are not valid SMART scopes; they grant nothing")]
        public static partial void InvalidScopes(ILogger logger, int count);

        [LoggerMessage(4, LogLevel.Warning, "The OpenID provider's keys cannot be obtained ({Error}); tokens are answered 503 until it answers")]
        public static partial void ProviderUnavailable(ILogger logger, string error);

        [LoggerMessage(5, LogLevel.Error, "The record store refused the gateway's access token (401): check RecordStore:Credentials and the store's audience")]
        public static partial void StoreRefusedGateway(ILogger logger);

        [LoggerMessage(6, LogLevel.Warning, "Endpoint {Endpoint} declares no access (RequireAuthorization or AllowAnonymous), or none the gateway knows; it is refused")]
        public static partial void Undeclared(ILogger logger, string endpoint);
    }
}
