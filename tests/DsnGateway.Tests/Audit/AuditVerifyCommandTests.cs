using DsnGateway.Audit;
using DsnGateway.Cli;

namespace DsnGateway.Tests.Audit;

[CollectionDefinition(Name, DisableParallelization = true)]
public class ConsoleCollection
{
    public const string Name = "Console output";
}

/// <summary><c>audit verify</c> through the real command line, in process, its console output captured.</summary>
[Collection(ConsoleCollection.Name)]
public class AuditVerifyCommandTests
{
    [Fact]
    public async Task An_intact_chain_prints_its_size_and_exits_0()
    {
        await using var audit = await AuditChainTests.WithRecordsAsync(3);
        await audit.Writer.StopAsync(CancellationToken.None);

        var (exit, output, _) = await RunAsync("audit", "verify", "--data-dir", audit.Directory);

        exit.Should().Be(0);
        output.Should().Contain("audit chain intact: 3 records");
    }

    [Fact]
    public async Task A_tampered_chain_prints_the_first_broken_record_and_exits_1()
    {
        await using var audit = await AuditChainTests.WithRecordsAsync(4);
        await audit.Writer.StopAsync(CancellationToken.None);
        await AuditChainTests.ExecuteAsync(audit, "UPDATE audit_event SET json = replace(json, '\"outcome\":\"0\"', '\"outcome\":\"4\"') WHERE seq = 2");

        var (exit, output, _) = await RunAsync("audit", "verify", "--data-dir", audit.Directory);

        exit.Should().Be(1);
        output.Should().Contain("broken at record 2").And.Contain("2025-03-14T12:00:00.000Z").And.Contain("content hash mismatch");
    }

    [Fact]
    public async Task A_missing_audit_database_is_a_failure_with_a_message()
    {
        var directory = AuditTestData.NewDataDirectory();
        try
        {
            var (exit, _, error) = await RunAsync("audit", "verify", "--data-dir", directory);
            exit.Should().Be(1);
            error.Should().Contain("No audit database");
            File.Exists(Path.Combine(directory, AuditStore.FileName)).Should().BeFalse("verify never creates the database");
        }
        finally
        {
            AuditTestData.Delete(directory);
        }
    }

    internal static async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        var originalOut = Console.Out;
        var originalError = Console.Error;
        using var output = new StringWriter();
        using var error = new StringWriter();
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            var exit = await GatewayCommandLine.RunAsync(args);
            return (exit, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(originalOut);
            Console.SetError(originalError);
        }
    }
}
