using System.CommandLine;
using DsnGateway.Audit;
using DsnGateway.Fhir.Primitives;
using DsnGateway.Sqlite.Migrations;

namespace DsnGateway.Cli;

/// <summary><c>audit verify</c>: checks the audit's hash chain in &lt;data-dir&gt;/audit.db, whether or not a gateway runs.</summary>
public static class AuditCommand
{
    public static Command Create()
    {
        var verify = new Command("verify", "Check the audit hash chain; exit 1 and print the first broken record when it is broken.");
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
        // Never create or initialize anything here: verify looks at what is there.
        var store = new AuditStore(databasePath, createIfMissing: false);
        AuditChainVerification verification;
        try
        {
            // A newer build's layout may chain other bytes: refused rather than misjudged. An older one is read as it is.
            await using (var connection = await store.OpenAsync(cancellationToken)) await AuditStore.Schema.ReadKnownVersionAsync(connection, cancellationToken);
            verification = await AuditChain.VerifyAsync(store, cancellationToken);
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
        }

        if (verification.FirstBreak is { } broken)
        {
            Console.Out.WriteLine($"audit chain broken at record {broken.Seq} (recorded {(broken.Recorded is { } recorded ? PartialDateTime.FormatInstant(recorded) : "unknown")}): {broken.Reason}");
            Console.Out.WriteLine($"{verification.IntactRecords} records before it are intact.");
            return 1;
        }
        Console.Out.WriteLine($"audit chain intact: {verification.IntactRecords} records");
        return 0;
    }
}
