using System.Net;
using DsnGateway.Ingestion;
using Microsoft.Data.Sqlite;
using static DsnGateway.Tests.Ingestion.OrderMessages;

namespace DsnGateway.Tests.Ingestion;

/// <summary>
/// At least once, applied once: the gateway is killed (SIGKILL, by its test-only fault point) after the record store
/// committed a message's Bundle and before the inbox marked it delivered. The restarted gateway delivers it again;
/// the store must then hold what one delivery wrote: one version of the Patient, of the MedicationRequest or
/// Procedure, and one Provenance. Counted in the real records.db, the way an operator would look.
/// </summary>
public sealed class RedeliveryTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "dsn-redelivery", Guid.NewGuid().ToString("N"));

    private string[] Serve => ["--urls", "http://127.0.0.1:0", "--mllp", "127.0.0.1:0", "--data-dir", _data, "--no-sample-data"];

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }

    [Theory]
    [InlineData("MedicationRequest")]
    [InlineData("Procedure")]
    public async Task A_crash_between_the_store_commit_and_the_delivered_mark_applies_nothing_twice_at_restart(string type)
    {
        var mrn = "NIM" + Id();
        var message = type == "MedicationRequest"
            ? Rde("PHARM_NIM", "NIM", "K" + Id(), Pid($"{mrn}^^^NIM^MR", "Panne^Élise", "19800101", "F"), "NW", "CMD-" + Id(), "", "ACET500^Acétaminophène^PHARMNIM", "500")
            : AdtMessages.A01("ADT_NIM", "NIM", "K" + Id(), $"{mrn}^^^NIM^MR", "Panne^Élise", "19800101", "F")
                + $"PR1|1||APPLAP^Appendicectomie^BLOCNIM||20261120070000||||||||||||||ADT-{mrn}\r";

        await using (var first = GatewayProcess.Start(Serve, variables: new Dictionary<string, string> { [DeliveryFault.Variable] = DeliveryFault.DieAfterStoreCommit }))
        {
            await first.WaitUntilListeningAsync();
            var port = await first.WaitForMllpPortAsync();
            try
            {
                await using var sender = await MllpTestClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
                await sender.SendAsync(AdtMessages.Utf8(message));
            }
            catch (Exception ex) when (ex is IOException or Xunit.Sdk.XunitException or OperationCanceledException or System.Net.Sockets.SocketException)
            {
                // The process may die before its ACK is read: the message was committed to the inbox before delivery began.
            }
            (await first.WaitForExitAsync()).Should().Be(137, "the fault point kills the gateway (SIGKILL) once the store committed\n" + first.Output);
        }

        // The crash came where it should: the store holds the message's resources, the inbox still has it pending.
        (await StateAsync()).Should().Be(InboxMessageState.Pending);
        var afterCrash = await CountAsync(type);
        afterCrash.Should().Equal(1, 1, 1, 1, 1, 1);

        await using (var second = GatewayProcess.Start(Serve))
        {
            await second.WaitUntilListeningAsync();
            await InboxTestKit.WaitUntilAsync(async () => await StateAsync() == InboxMessageState.Delivered, "the message is delivered again", TimeSpan.FromSeconds(60));
        }

        (await CountAsync(type)).Should().Equal([1, 1, 1, 1, 1, 1],
            "(Patient, its versions, the {0}, its versions, Provenance, its versions): the redelivery applied nothing twice", type);
    }

    [Fact]
    public async Task An_A40_delivered_again_after_a_crash_writes_no_second_version_of_its_Provenance_or_its_patients()
    {
        var retired = "NIM" + Id();
        var survivor = "NIM" + Id();
        await using (var before = GatewayProcess.Start(Serve))
        {
            await before.WaitUntilListeningAsync();
            await using var sender = await MllpTestClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, await before.WaitForMllpPortAsync()));
            foreach (var (mrn, name, time) in new[] { (retired, "Fusion^Ancien", "20261120080000"), (survivor, "Fusion^Survivant", "20261120080100") })
                AdtMessages.AckCode(await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", "K" + Id(), $"{mrn}^^^NIM^MR", name, "19600101", "M", time)))).Should().Be("AA");
            await InboxTestKit.WaitUntilAsync(async () => (await StatesAsync()).All(s => s == InboxMessageState.Delivered), "both patients are delivered", TimeSpan.FromSeconds(60));
        }
        (await CountAsync("Patient")).Should().Equal(2, 2, 2, 2, 2, 2);

        await using (var first = GatewayProcess.Start(Serve, variables: new Dictionary<string, string> { [DeliveryFault.Variable] = DeliveryFault.DieAfterStoreCommit }))
        {
            await first.WaitUntilListeningAsync();
            try
            {
                await using var sender = await MllpTestClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, await first.WaitForMllpPortAsync()));
                await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A40("ADT_NIM", "NIM", "K" + Id(), $"{survivor}^^^NIM^MR",
                    "Fusion^Survivant", "19600101", "M", mrg1: $"{retired}^^^NIM^MR", time: "20261120090000")));
            }
            catch (Exception ex) when (ex is IOException or Xunit.Sdk.XunitException or OperationCanceledException or System.Net.Sockets.SocketException)
            {
                // The process may die before its ACK is read: the message was committed to the inbox before delivery began.
            }
            (await first.WaitForExitAsync()).Should().Be(137, "the fault point kills the gateway once the store committed the merge\n" + first.Output);
        }
        var afterCrash = await CountAsync("Patient");
        afterCrash.Should().Equal([2, 4, 2, 4, 3, 3], "the merge wrote a version of each patient and its Provenance before the crash");

        await using (var second = GatewayProcess.Start(Serve))
        {
            await second.WaitUntilListeningAsync();
            await InboxTestKit.WaitUntilAsync(async () => (await StatesAsync()).All(s => s == InboxMessageState.Delivered), "the merge is delivered again", TimeSpan.FromSeconds(60));
        }

        (await CountAsync("Patient")).Should().Equal(afterCrash,
            "(Patient, its versions, Provenance, its versions): the merge delivered again names the same two records and writes nothing new");
    }

    [Fact]
    public async Task The_fault_point_is_refused_outside_Development()
    {
        await using var gateway = GatewayProcess.Start(Serve, environment: "Production",
            variables: new Dictionary<string, string> { [DeliveryFault.Variable] = DeliveryFault.DieAfterStoreCommit });

        (await gateway.WaitForExitAsync()).Should().Be(1);
        gateway.Output.Should().Contain("Refusing to start in Production").And.Contain(DeliveryFault.Variable);
        gateway.Output.Should().NotContain("Now listening");
    }

    private async Task<InboxMessageState> StateAsync() => (await StatesAsync()).Should().ContainSingle().Subject;

    private async Task<List<InboxMessageState>> StatesAsync()
    {
        var inbox = new InboxStore(Path.Combine(_data, InboxStore.FileName));
        try
        {
            return [.. (await inbox.ListMessagesAsync(CancellationToken.None)).Select(m => m.State)];
        }
        finally
        {
            inbox.ReleaseConnections();
        }
    }

    /// <summary>Resources and versions of the Patient, of <paramref name="type"/> and of Provenance, in records.db.</summary>
    private async Task<long[]> CountAsync(string type)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(_data, "records.db"),
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        await connection.OpenAsync();
        var counts = new List<long>();
        foreach (var counted in new[] { "Patient", type, "Provenance" })
        {
            foreach (var table in new[] { "resource", "resource_version" })
            {
                await using var command = connection.CreateCommand();
                command.CommandText = $"SELECT count(*) FROM {table} WHERE type = $type AND deleted = 0";
                command.Parameters.AddWithValue("$type", counted);
                counts.Add((long)(await command.ExecuteScalarAsync())!);
            }
        }
        return [.. counts];
    }
}
