using System.CommandLine;
using System.Globalization;
using System.Security.Claims;
using DsnGateway.Authentication;
using DsnGateway.Runtime;

namespace DsnGateway.Cli;

/// <summary>
/// <c>token</c>: prints a development access token for the gateway of this data directory, and nothing else
/// on stdout (so <c>TOKEN=$(DsnGateway token ...)</c> works). Development only, like the issuer it uses.
/// </summary>
internal static class TokenCommand
{
    private static readonly Option<string> Subject = new("--sub") { Description = "Subject (user or client id)", Required = true };
    private static readonly Option<string> Scope = new("--scope") { Description = "Space-separated SMART scopes, e.g. \"user/*.rs\"", Required = true };
    private static readonly Option<string> Role = new("--role") { Description = "clinician, privacy-officer, system or admin", Required = true };
    private static readonly Option<string?> Establishment = new("--establishment") { Description = "NIM or MCQ (required for clinician and system)" };
    private static readonly Option<string?> FhirUser = new("--fhir-user") { Description = "e.g. Practitioner/95112" };
    private static readonly Option<string?> Patient = new("--patient") { Description = "Patient id, required with patient/ scopes" };
    private static readonly Option<string?> ClientId = new("--client-id") { Description = "The client application's id (default dsn-cli)" };
    private static readonly Option<string> Lifetime = new("--lifetime") { Description = "e.g. 30m, 1h, 8h (default 1h)", DefaultValueFactory = _ => "1h" };

    public static Command Create()
    {
        var command = new Command("token", "Print a development access token (Development only).")
        {
            Subject, Scope, Role, Establishment, FhirUser, Patient, ClientId, Lifetime,
        };
        command.SetAction(Run);
        return command;
    }

    private static int Run(ParseResult result)
    {
        var role = result.GetValue(Role)!;
        var establishment = result.GetValue(Establishment);
        var scope = result.GetValue(Scope)!;
        var patient = result.GetValue(Patient);
        if (!CallerIdentity.Roles.Contains(role))
            return Usage($"--role must be one of {string.Join(", ", CallerIdentity.Roles)}.");
        if (role is CallerIdentity.Clinician or CallerIdentity.System && string.IsNullOrWhiteSpace(establishment))
            return Usage($"--establishment is required for role {role}.");
        if (scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(s => s.StartsWith("patient/", StringComparison.Ordinal)) && string.IsNullOrWhiteSpace(patient))
            return Usage("--patient is required with patient/ scopes.");
        if (!TryParseLifetime(result.GetValue(Lifetime)!, out var lifetime))
            return Usage("--lifetime must look like 30m, 1h or 8h (at most 24h).");

        if (!string.Equals(GatewayConfiguration.EnvironmentName(), Environments.Development, StringComparison.OrdinalIgnoreCase))
        {
            Console.Error.WriteLine("The token command issues development tokens and runs only with DOTNET_ENVIRONMENT=Development.");
            return 1;
        }

        var paths = GatewayCommandLine.Paths(result);
        GatewayAuthenticationOptions options;
        using (var command = CommandHost.Create(paths, Environments.Development)) options = command.Options<GatewayAuthenticationOptions>();
        if (!options.DevelopmentIssuer.Enabled)
        {
            Console.Error.WriteLine("Authentication:DevelopmentIssuer:Enabled is false in this configuration: the gateway would not trust the token.");
            return 1;
        }

        var names = options.Claims;
        var claims = new List<Claim>
        {
            new(names.Subject, result.GetValue(Subject)!),
            new(names.Scope, scope),
            new(names.Role, role),
            new(names.ClientId, result.GetValue(ClientId) ?? "dsn-cli"),
        };
        if (!string.IsNullOrWhiteSpace(establishment)) claims.Add(new Claim(names.Establishment, establishment.ToUpperInvariant()));
        if (result.GetValue(FhirUser) is { Length: > 0 } fhirUser) claims.Add(new Claim(names.FhirUser, fhirUser));
        if (!string.IsNullOrWhiteSpace(patient)) claims.Add(new Claim(names.Patient, patient));

        var issuer = DevelopmentTokenIssuer.Open(paths.DataDirectory, options.DevelopmentIssuer.Issuer, options.Audience);
        Console.Out.WriteLine(issuer.Issue(claims, lifetime));
        return 0;
    }

    private static bool TryParseLifetime(string text, out TimeSpan lifetime)
    {
        lifetime = default;
        if (text.Length < 2 || !int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0) return false;
        lifetime = text[^1] switch
        {
            's' => TimeSpan.FromSeconds(n),
            'm' => TimeSpan.FromMinutes(n),
            'h' => TimeSpan.FromHours(n),
            _ => TimeSpan.Zero,
        };
        return lifetime > TimeSpan.Zero && lifetime <= TimeSpan.FromHours(24);
    }

    private static int Usage(string message)
    {
        Console.Error.WriteLine(message);
        return 2;
    }
}
