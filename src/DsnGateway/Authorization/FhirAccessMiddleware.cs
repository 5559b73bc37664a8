using DsnGateway.Runtime;
using System.Net;
using DsnGateway.Audit;
using DsnGateway.Authentication;
using DsnGateway.Fhir.Outcomes;
using DsnGateway.RecordStore.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace DsnGateway.Authorization;

/// <summary>
/// The gate in front of every endpoint, led by what the matched endpoint declares (<see cref="AccessPolicies"/>):
/// anonymous ones run as they are, undeclared ones are refused; for the others, authenticate the bearer token, admit
/// the caller the declared policy names (for the FHIR API, decide with <see cref="FhirAccessPolicy"/> and confine the
/// query), let the request run with its answer held back (up to a cap), write one audit record naming every patient the answer shows, and only then release the answer. If the audit
/// cannot be written, the caller gets 503 and no clinical data (fail closed). Refusals are audited too.
/// </summary>
internal sealed partial class FhirAccessMiddleware
{
    public const string BreakGlassHeader = GatewayOptions.BreakGlassHeader;

    /// <summary>What described the store's own answer, dropped when the gateway answers in its place.</summary>
    private static readonly string[] StoreAnswerHeaders = ["ETag", "Last-Modified", "Location", "Content-Location", "Content-Encoding", "WWW-Authenticate"];

    private readonly RequestDelegate _next;
    private readonly FhirAccessPolicy _policy;
    private readonly IAuditTrail _audit;
    private readonly IOptionsMonitor<GatewayAuthenticationOptions> _authentication;
    private readonly ILogger<FhirAccessMiddleware> _logger;
    private readonly TimeProvider _clock;
    private readonly CallerIdentityCache _callers;
    private readonly IOptionsMonitor<AccessOptions> _access;

    public FhirAccessMiddleware(RequestDelegate next, FhirAccessPolicy policy, IAuditTrail audit, IOptionsMonitor<GatewayAuthenticationOptions> authentication, ILogger<FhirAccessMiddleware> logger, TimeProvider clock, CallerIdentityCache callers, IOptionsMonitor<AccessOptions> access)
    {
        _access = access;
        _callers = callers;
        _next = next;
        _policy = policy;
        _audit = audit;
        _authentication = authentication;
        _logger = logger;
        _clock = clock;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var policy = AccessPolicies.Of(context.GetEndpoint());
        if (policy == AccessPolicies.Anonymous)
        {
            await _next(context);
            return;
        }

        var isFhir = policy == AccessPolicies.FhirRecords;
        var path = context.Request.Path;
        var fhirPath = path.StartsWithSegments("/fhir", out var rest) ? rest : path;
        var query = context.Request.Query.SelectMany(q => q.Value.Select(v => KeyValuePair.Create(q.Key, v ?? ""))).ToList();
        var request = isFhir ? FhirRequest.Classify(context.Request.Method, fhirPath.Value ?? "", query)
            : new FhirRequest(policy == AccessPolicies.Ingestion ? FhirRequest.Create : FhirRequest.Operation, null, null, query);
        var audit = new AuditContext(context, request, _clock);
        if (policy is null)
        {
            // No endpoint, or one that does not say who may call it: closed. 404, as for a path that matches nothing,
            // whoever asks: a refusal that names no missing right tells a prober nothing about what exists.
            Log.Undeclared(_logger, context.GetEndpoint()?.DisplayName ?? "(none)");
            await RefuseAsync(context, audit, 404, "There is no such endpoint.", null);
            return;
        }

        var authentication = await context.AuthenticateAsync();
        if (!authentication.Succeeded && !authentication.None && await ProviderUnavailableAsync(context))
        {
            // The token could not be checked at all: the provider's keys cannot be had (down, failing, too slow). Not
            // the caller's fault and not a verdict on the token: 503, retry, never a 401 that sends users to log in again.
            context.Response.Headers.RetryAfter = "5";
            await RefuseAsync(context, audit, 503, "The OpenID provider's keys cannot be obtained to check the token; retry shortly.", null);
            return;
        }
        if (!authentication.Succeeded)
        {
            var why = context.Items[AuthenticationSetup.FailureItem] as string
                ?? (authentication.None ? "no bearer token was sent" : "the token is invalid");
            await RefuseAsync(context, audit, 401, $"Authentication required: {why}.", authentication.None ? null : why);
            return;
        }
        var caller = _callers.Read(authentication.Principal!, _authentication.CurrentValue.Claims, out var problem);
        if (caller is null)
        {
            await RefuseAsync(context, audit, 401, $"The token is refused: {problem}.", problem);
            return;
        }
        context.User = authentication.Principal!;
        context.Items[typeof(CallerIdentity)] = caller;
        audit.Caller = caller;
        if (caller.Scopes.InvalidScopes.Count > 0) Log.InvalidScopes(_logger, caller.Scopes.InvalidScopes.Count);

        string? breakGlass = null;
        if (context.Request.Headers.TryGetValue(BreakGlassHeader, out var header))
        {
            if (!BreakGlassReason.TryRead(header.ToString(), out breakGlass, out var malformed))
            {
                await RefuseAsync(context, audit, 400, malformed!, null);
                return;
            }
            if (breakGlass.Length == 0)
            {
                await RefuseAsync(context, audit, 403, "Break-the-glass needs a reason: X-Break-Glass: <why this access is needed>.", null);
                return;
            }
            audit.BreakGlassReason = breakGlass;
        }

        if (policy == AccessPolicies.Ingestion)
        {
            // Legacy senders: a system token whose scope grants create on every type (e.g. system/*.cu).
            if (caller.Role != CallerIdentity.System)
            {
                await RefuseAsync(context, audit, 403, "Only system senders (role system) may send records for ingestion.", null);
                return;
            }
            if (!caller.Scopes.Permits(SmartScopes.SmartContext.System, "*", SmartScopes.SmartInteraction.Create))
            {
                await RefuseAsync(context, audit, 403, "Ingestion needs the scope system/*.c (e.g. system/*.cu).", null);
                return;
            }
            await RunAndAuditAsync(context, audit, policy, writes: true);
            return;
        }

        if (policy == AccessPolicies.Administration)
        {
            if (caller.Role != CallerIdentity.Admin)
            {
                await RefuseAsync(context, audit, 403, "Only administrators run the operations under /admin.", null);
                return;
            }
            await RunAndAuditAsync(context, audit, policy, writes: !HttpMethods.IsGet(context.Request.Method));
            return;
        }

        if (request.Interaction == FhirRequest.Search && HttpMethods.IsPost(context.Request.Method) && context.Request.HasFormContentType)
        {
            // POST _search: the store searches with the form's parameters as well as the URL's, so the decision
            // (scopes, qualifiers, includes) must see them too. The body is rewound for the store to read again.
            List<KeyValuePair<string, string>> form;
            try
            {
                form = await ReadFormAsync(context);
            }
            catch (InvalidDataException)
            {
                await RefuseAsync(context, audit, 400, "The search form could not be read.", null);
                return;
            }
            request = request with { Query = [.. query, .. form] };
            audit.AddFormQuery(form);
        }
        if (request.Interaction == FhirRequest.Create && context.Request.Headers.TryGetValue(ConditionalCriteria.IfNoneExistHeader, out var ifNoneExist))
            request = request with { IfNoneExist = ifNoneExist.FirstOrDefault() };

        AccessDecision decision;
        try
        {
            decision = await _policy.DecideAsync(caller, request, breakGlass, ct => ReadBodyAsync(context, ct), context.RequestAborted);
        }
        catch (Proxy.RecordStoreException ex)
        {
            Log.CheckFailed(_logger, (int)ex.Status);
            await RefuseAsync(context, audit, 503, "The record store could not answer an authorization check; retry shortly.", null);
            return;
        }
        catch (StoreCredentials.StoreCredentialsUnavailableException)
        {
            await RefuseAsync(context, audit, 503, "The gateway could not obtain its credentials for the record store; retry shortly.", null);
            return;
        }
        catch (HttpRequestException)
        {
            await RefuseAsync(context, audit, 503, "The record store is unreachable; retry shortly.", null);
            return;
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or Fhir.Serialization.FhirParseException)
        {
            // A store answering a check with something that is not FHIR JSON: the store's failure, not the caller's (never a 500).
            await RefuseAsync(context, audit, 503, "The record store's answer to an authorization check could not be read; retry shortly.", null);
            return;
        }
        audit.Patients.UnionWith(decision.Patients);
        if (!decision.IsAllowed)
        {
            await RefuseAsync(context, audit, decision.Status, decision.Reason!, null);
            return;
        }
        if (request.Interaction == FhirRequest.Create && ConditionalCriteria.Of(request) is { } condition)
        {
            // A conditional create's condition travels in its header: the store gets it as checked, confined like a search.
            context.Request.Headers[ConditionalCriteria.IfNoneExistHeader] = ConditionalCriteria.IfNoneExist([.. condition, .. decision.AddedParameters]);
        }
        else if (decision.AddedParameters.Count > 0 || request.IsConditional)
        {
            // A conditional update's condition is sent as checked, re-encoded, even with nothing added: what the store
            // parses must be what the policy parsed.
            var confined = QueryString.Create(query.Concat(decision.AddedParameters).Select(p => KeyValuePair.Create(p.Key, (string?)p.Value)));
            context.Request.QueryString = confined;
            new Proxy.SearchConfinement(decision.AddedParameters).Attach(context);
        }
        await RunAndAuditAsync(context, audit, policy, writes: request.Interaction is FhirRequest.Create or FhirRequest.Update or FhirRequest.Delete);
    }

    /// <summary>
    /// Runs the rest of the pipeline with the answer held in memory, audits, then releases it. A write first makes its
    /// intent durable: the store may commit it even if the audit fails afterwards, and then the intent is its trace.
    /// </summary>
    private async Task RunAndAuditAsync(HttpContext context, AuditContext audit, string policy, bool writes)
    {
        AccessPolicies.Admit(context, policy);
        if (writes)
        {
            audit.IntentId = Guid.NewGuid().ToString("N");
            try
            {
                await _audit.RecordIntentAsync(audit.ToRecord(0, "in progress"), context.RequestAborted);
            }
            catch (AuditUnavailableException ex)
            {
                Log.AuditUnavailable(_logger, ex);
                await WriteUnavailableAsync(context);
                return;
            }
        }
        var originalBody = context.Features.Get<IHttpResponseBodyFeature>()!;
        var cap = writes ? int.MaxValue : _access.CurrentValue.MaxBufferedAnswerBytes;
        using var buffer = new AnswerBuffer(cap);
        context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(buffer));
        try
        {
            await _next(context);
            if (!buffer.Exceeded) await ExplainStoreFailureAsync(context, buffer);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The request failed before it could answer: the attempt is audited all the same.
            context.Features.Set(originalBody);
            await TryAuditAsync(context, audit, StatusCodes.Status500InternalServerError, "The request failed inside the gateway.");
            throw;
        }
        finally
        {
            context.Features.Set(originalBody);
        }

        if (buffer.Exceeded)
        {
            // Nothing of it is released, so it showed no patient: the audit says what was asked and that it was refused.
            foreach (var header in StoreAnswerHeaders) context.Response.Headers.Remove(header);
            context.Response.ContentLength = null;
            await RefuseAsync(context, audit, StatusCodes.Status400BadRequest,
                $"The answer is larger than the gateway releases at once ({cap} bytes); ask for less, e.g. page a search with _count.", null, "too-costly");
            return;
        }
        if (context.Response.StatusCode < 400)
        {
            audit.NoteWritten(context.Response.Headers.Location.ToString());
            audit.Patients.UnionWith(PatientsInResponse.Find(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
        }
        if (!await TryAuditAsync(context, audit, context.Response.StatusCode, null))
        {
            await WriteUnavailableAsync(context);
            return;
        }
        if (buffer.Length > 0)
        {
            context.Response.ContentLength = buffer.Length;
            buffer.Position = 0;
            await buffer.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
    }

    /// <summary>
    /// Whether a refused token was judged without the provider's keys: the discovery document or JWKS could not be had
    /// (an error status, longer than the backchannel timeout, a connection refused), and none were had before.
    /// IdentityModel then validates against nothing and says "issuer not trusted" or "unknown key", which would be a
    /// wrong 401. Asking the configuration manager costs nothing while it holds keys; without keys it tries once more.
    /// </summary>
    private async Task<bool> ProviderUnavailableAsync(HttpContext context)
    {
        if (string.IsNullOrWhiteSpace(_authentication.CurrentValue.Authority)) return false;
        var jwt = context.RequestServices.GetRequiredService<IOptionsMonitor<Microsoft.AspNetCore.Authentication.JwtBearer.JwtBearerOptions>>()
            .Get(Microsoft.AspNetCore.Authentication.JwtBearer.JwtBearerDefaults.AuthenticationScheme);
        if (jwt.ConfigurationManager is null) return false;
        try
        {
            await jwt.ConfigurationManager.GetConfigurationAsync(context.RequestAborted);
            return false;
        }
        catch (InvalidOperationException ex)
        {
            Log.ProviderUnavailable(_logger, ex.GetType().Name);
            return true;
        }
    }

    /// <summary>
    /// The record store failed to answer: the proxy's 502 (unreachable, connection cut, body not JSON), its 504 (the
    /// store let the deadline pass, its body included), or a 5xx of the store's own (its 503 and 504 kept, any other
    /// 502). The caller gets the gateway's OperationOutcome saying so, as for every other error, never an empty
    /// answer nor the store's own diagnostics. The gateway's own credentials toward a remote store fail in two ways
    /// told apart here too: no token could be had (503), or the store refused the gateway's token even after a new one
    /// (502, never the store's 401, which would tell the clinician's app to log in again though its token is fine).
    /// </summary>
    private Task ExplainStoreFailureAsync(HttpContext context, MemoryStream buffer)
    {
        var proxied = context.Features.Get<Yarp.ReverseProxy.Model.IReverseProxyFeature>() is not null;
        var error = context.Features.Get<Yarp.ReverseProxy.Forwarder.IForwarderErrorFeature>();
        var status = context.Response.StatusCode;
        var credentials = proxied && IsCredentialsFailure(error?.Exception);
        var refused = proxied && !credentials && status == StatusCodes.Status401Unauthorized;
        if (credentials)
            status = StatusCodes.Status503ServiceUnavailable;
        else if (refused)
        {
            Log.StoreRefusedGateway(_logger);
            status = StatusCodes.Status502BadGateway;
        }
        else if (error is not null && (error.Error == Yarp.ReverseProxy.Forwarder.ForwarderError.RequestTimedOut || error.Exception is TimeoutException))
            status = StatusCodes.Status504GatewayTimeout;
        else if (proxied && status >= 500 && status is not (StatusCodes.Status503ServiceUnavailable or StatusCodes.Status504GatewayTimeout))
            status = StatusCodes.Status502BadGateway;
        // The embedded store's forwarder answers a failure 502 without a body.
        if (!(proxied && status >= 500) && !(status is StatusCodes.Status502BadGateway && buffer.Length == 0))
            return Task.CompletedTask;
        buffer.SetLength(0);
        foreach (var header in StoreAnswerHeaders) context.Response.Headers.Remove(header);
        context.Response.Headers.RetryAfter = "5";
        var (code, message) = status switch
        {
            _ when credentials => ("transient", "The gateway could not obtain its credentials for the record store; retry shortly."),
            _ when refused => ("security", "The record store refused the gateway's credentials."),
            StatusCodes.Status504GatewayTimeout => ("timeout", "The record store did not answer in time; retry shortly."),
            StatusCodes.Status503ServiceUnavailable => ("transient", "The record store is unavailable; retry shortly."),
            _ => ("transient", "The record store could not be reached or did not answer properly; retry shortly."),
        };
        return FhirResponses.WriteAsync(context, status, OperationOutcomes.Error(code, message));
    }

    private static bool IsCredentialsFailure(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
            if (e is StoreCredentials.StoreCredentialsUnavailableException) return true;
        return false;
    }

    private async Task RefuseAsync(HttpContext context, AuditContext audit, int status, string message, string? tokenProblem, string? issueCode = null)
    {
        if (!await TryAuditAsync(context, audit, status, message))
        {
            await WriteUnavailableAsync(context);
            return;
        }
        if (status == 401)
        {
            context.Response.Headers.WWWAuthenticate = AuthenticationSetup.BearerChallenge(tokenProblem);
        }
        var code = issueCode ?? status switch { 400 => "invalid", 401 => "login", 403 => "forbidden", 404 => "not-found", 503 => "transient", _ => "processing" };
        await FhirResponses.WriteAsync(context, status, OperationOutcomes.Error(code, message));
    }

    private async Task<bool> TryAuditAsync(HttpContext context, AuditContext audit, int status, string? description)
    {
        try
        {
            await _audit.RecordAsync(audit.ToRecord(status, description), context.RequestAborted);
            return true;
        }
        catch (AuditUnavailableException ex)
        {
            Log.AuditUnavailable(_logger, ex);
            return false;
        }
    }

    private static Task WriteUnavailableAsync(HttpContext context)
    {
        context.Response.Clear();
        context.Response.Headers.RetryAfter = "5";
        return FhirResponses.WriteAsync(context, (int)HttpStatusCode.ServiceUnavailable,
            OperationOutcomes.Error("transient", "The access audit cannot be written, so no record is released. Retry shortly."));
    }

    private static async Task<List<KeyValuePair<string, string>>> ReadFormAsync(HttpContext context)
    {
        context.Request.EnableBuffering();
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        context.Request.Body.Position = 0;
        return form.SelectMany(f => f.Value.Select(v => KeyValuePair.Create(f.Key, v ?? ""))).ToList();
    }

    private static async Task<byte[]> ReadBodyAsync(HttpContext context, CancellationToken cancellationToken)
    {
        // Read for the check, then rewound so the proxy forwards the same bytes.
        context.Request.EnableBuffering();
        using var copy = new MemoryStream();
        await context.Request.Body.CopyToAsync(copy, cancellationToken);
        context.Request.Body.Position = 0;
        return copy.ToArray();
    }
}
