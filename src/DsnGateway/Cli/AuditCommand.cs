using System.CommandLine;
using DsnGateway.Audit;
using DsnGateway.Fhir.Primitives;
using DsnGateway.Runtime;
using DsnGateway.Sqlite.Migrations;

namespace DsnGateway.Cli;

/// <summary>
/// <c>audit verify</c>: checks the audit's hash chain in &lt;data-dir&gt;/audit.db and its anchors (signed checkpoints,
/// and the heads shipped off the machine when given), whether or not a gateway runs (docs/arch/0014).
/// </summary>
internal static class AuditCommand
{
    private static readonly Option<string[]> PublicKeys = new("--public-key")
    {
        Description = "PEM public key the checkpoints are signed with (repeat for several). Default: the public key beside Audit:Checkpoints:KeyPath",
    };

    private static readonly Option<string[]> Heads = new("--heads")
    {
        Description = "Files of heads shipped off the machine: the gateway's AuditCheckpoint log lines, or '<seq> <head hash>' per line",
        // A shell glob of daily log files names them all after one --heads.
        AllowMultipleArgumentsPerToken = true,
    };

    public static Command Create()
    {
        var verify = new Command("verify", "Check the audit hash chain and its signed checkpoints; exit 1 and name each problem when it does not hold.")
        {
            PublicKeys,
            Heads,
        };
        verify.SetAction((result, token) => VerifyAsync(result, token));
        return new Command("audit", "The access audit.") { verify };
    }

    public static async Task<int> VerifyAsync(ParseResult result, CancellationToken cancellationToken)
    {
        var paths = GatewayCommandLine.Paths(result);
        var databasePath = paths.InData(AuditStore.FileName);
        if (!File.Exists(databasePath))
        {
            await Console.Error.WriteLineAsync($"No audit database at {databasePath}.");
            return 1;
        }
        // Inputs first: a key or heads file that cannot be read is said before any work.
        var keys = new List<AuditCheckpointKey>();
        var shipped = new List<(long Seq, string HeadHash)>();
        try
        {
            foreach (var path in KeyFiles(result, paths)) keys.Add(AuditCheckpointKey.OpenForVerifying(path));
            foreach (var path in result.GetValue(Heads) ?? [])
            {
                if (!File.Exists(path)) throw new InvalidDataException($"--heads {path} does not exist.");
                shipped.AddRange(AuditShippedHeads.Read(path));
            }
        }
        catch (InvalidDataException ex)
        {
            foreach (var key in keys) key.Dispose();
            await Console.Error.WriteLineAsync(ex.Message);
            return 1;
        }

        // Never create or initialize anything here: verify looks at what is there.
        var store = new AuditStore(databasePath, createIfMissing: false);
        AuditChainVerification verification;
        AuditAnchorVerification anchors;
        try
        {
            // A newer build's layout may chain other bytes: refused rather than misjudged. An older one is read as it is.
            await using (var connection = await store.OpenAsync(cancellationToken)) await AuditStore.Schema.ReadKnownVersionAsync(connection, cancellationToken);
            verification = await AuditChain.VerifyAsync(store, cancellationToken);
            anchors = await AuditAnchorVerification.VerifyAsync(store, keys, shipped, cancellationToken);
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex)
        {
            await Console.Error.WriteLineAsync($"The audit database at {databasePath} cannot be read: {ex.Message}");
            return 1;
        }
        catch (SchemaVersionException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return 1;
        }
        finally
        {
            store.ReleaseConnections();
            foreach (var key in keys) key.Dispose();
        }

        var holds = true;
        if (verification.FirstBreak is { } broken)
        {
            Console.Out.WriteLine($"audit chain broken at record {broken.Seq} (recorded {(broken.Recorded is { } recorded ? PartialDateTime.FormatInstant(recorded) : "unknown")}): {broken.Reason}");
            Console.Out.WriteLine($"{verification.IntactRecords} records before it are intact.");
            holds = false;
        }
        else
        {
            Console.Out.WriteLine($"audit chain intact: {verification.IntactRecords} records");
        }
        if (anchors.Checkpoints > 0 && keys.Count == 0)
        {
            Console.Out.WriteLine($"{anchors.Checkpoints} checkpoints cannot be checked: no public key (give --public-key, or the key at {AuditCheckpointOptions.Section}:KeyPath).");
            holds = false;
        }
        foreach (var problem in anchors.Problems) Console.Out.WriteLine(problem);
        holds &= anchors.Holds;
        if (anchors.Holds && keys.Count > 0)
        {
            Console.Out.WriteLine(anchors.Checkpoints == 0
                ? "no checkpoint yet: nothing anchors the chain outside audit.db"
                : $"checkpoints verified: {anchors.Checkpoints}, the last at record {anchors.LastCheckpointSeq}");
            if (anchors.Unanchored > 0)
                Console.Out.WriteLine($"{anchors.Unanchored} records after the last checkpoint are not anchored yet (the next checkpoint signs them).");
        }
        if (anchors.Holds && anchors.ShippedHeads > 0) Console.Out.WriteLine($"shipped heads verified: {anchors.ShippedHeads}");
        return holds ? 0 : 1;
    }

    /// <summary>The keys given, else the configured key's public half (or the private key file itself), when there.</summary>
    private static IEnumerable<string> KeyFiles(ParseResult result, GatewayPaths paths)
    {
        if (result.GetValue(PublicKeys) is { Length: > 0 } given)
        {
            foreach (var path in given)
            {
                if (!File.Exists(path)) throw new InvalidDataException($"--public-key {path} does not exist.");
                yield return path;
            }
            yield break;
        }
        var configuration = GatewayConfiguration.Build(paths, GatewayConfiguration.EnvironmentName(), new Dictionary<string, string?>());
        var keyPath = AuditCheckpointOptions.From(configuration).ResolvedKeyPath(paths);
        var publicKeyPath = AuditCheckpointKey.PublicKeyPath(keyPath);
        if (File.Exists(publicKeyPath)) yield return publicKeyPath;
        else if (File.Exists(keyPath)) yield return keyPath;
    }
}
