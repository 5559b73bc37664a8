using DsnGateway.Runtime;

namespace DsnGateway.Audit;

/// <summary>
/// <c>Audit:Checkpoints</c>: how often the audit chain's head is signed and where the signing key is (docs/arch/0014).
/// </summary>
internal sealed class AuditCheckpointOptions
{
    public const string Section = "Audit:Checkpoints";

    /// <summary>The PEM private key file; relative paths are under the data directory.</summary>
    public string KeyPath { get; set; } = Path.Combine("keys", "audit-checkpoint.pem");

    /// <summary>
    /// Create the key when it is missing. Unset: only in Development. Anywhere else a missing key refuses the start,
    /// so a lost or unmounted key is noticed rather than replaced by a new one nobody keeps the public half of.
    /// </summary>
    public bool? CreateKey { get; set; }

    /// <summary>A checkpoint at the latest once this many records were appended since the last one.</summary>
    public int EveryRecords { get; set; } = 1000;

    /// <summary>A checkpoint at the latest this many seconds after a record was appended.</summary>
    public int EverySeconds { get; set; } = 60;

    public TimeSpan Interval => TimeSpan.FromSeconds(EverySeconds);

    public static AuditCheckpointOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<AuditCheckpointOptions>() ?? new AuditCheckpointOptions();

    public string ResolvedKeyPath(GatewayPaths paths) => paths.InData(KeyPath);

    public bool MayCreateKey(IHostEnvironment environment) => CreateKey ?? environment.IsDevelopment();

    /// <summary>One line per problem; checked before anything is created.</summary>
    public IReadOnlyList<string> Problems(GatewayPaths paths, IHostEnvironment environment)
    {
        var problems = new List<string>();
        if (EveryRecords is < 1 or > 1_000_000)
            problems.Add($"{Section}:EveryRecords '{EveryRecords}' is not a number of records between 1 and 1000000 (e.g. 1000).");
        if (EverySeconds is < 1 or > 86_400)
            problems.Add($"{Section}:EverySeconds '{EverySeconds}' is not a number of seconds between 1 and 86400 (e.g. 60).");
        var path = ResolvedKeyPath(paths);
        if (!File.Exists(path) && !MayCreateKey(environment))
            problems.Add($"Refusing to start in {environment.EnvironmentName}: the audit checkpoint signing key {path} does not exist. " +
                $"Provide it ({Section}:KeyPath, a PEM EC P-256 private key, e.g. openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256), " +
                $"or set {Section}:CreateKey=true to have it created.");
        return problems;
    }
}
