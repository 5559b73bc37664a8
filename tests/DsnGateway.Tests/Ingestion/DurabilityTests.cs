using System.Net;
using DsnGateway.Fhir.Serialization;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.Tests.Ingestion;

/// <summary>
/// "ACK means safe": the gateway process is killed with SIGKILL while a sender streams messages; after a
/// restart on the same data directory every message that was answered AA is in the record store, once.
/// </summary>
public sealed class DurabilityTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "dsn-durability", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task Every_message_acknowledged_before_a_sigkill_is_applied_exactly_once_after_restart()
    {
        var acknowledged = new List<string>();
        await using (var first = GatewayProcess.Start(["--urls", "http://127.0.0.1:0", "--mllp", "127.0.0.1:0", "--data-dir", _data, "--no-sample-data"]))
        {
            await first.WaitUntilListeningAsync();
            var port = await first.WaitForMllpPortAsync();
            await using var sender = await MllpTestClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
            try
            {
                for (var i = 0; i < 400; i++)
                {
                    var mrn = $"NIMDUR{i:D5}";
                    var ack = await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", $"DUR{i:D5}", $"{mrn}^^^NIM^MR", "Durable^Test", "1980", "U")));
                    if (AdtMessages.AckCode(ack) == "AA") acknowledged.Add(mrn);
                    if (acknowledged.Count == 40) await first.KillAsync(); // mid-stream, with deliveries in flight
                }
            }
            catch (Exception ex) when (ex is IOException or Xunit.Sdk.XunitException or OperationCanceledException or System.Net.Sockets.SocketException)
            {
                // The connection died with the process: the sender would resend what was not acknowledged.
            }
        }
        acknowledged.Count.Should().BeGreaterThanOrEqualTo(40);

        await using var second = GatewayProcess.Start(["--urls", "http://127.0.0.1:0", "--mllp", "127.0.0.1:0", "--data-dir", _data, "--no-sample-data"]);
        var address = await second.WaitUntilListeningAsync();
        var token = await GatewayProcess.TokenAsync(_data, "--sub", "dr.test", "--scope", "user/*.rs", "--role", "clinician", "--establishment", "NIM");
        using var client = new HttpClient { BaseAddress = address };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

        foreach (var mrn in acknowledged)
        {
            Bundle? found = null;
            for (var attempt = 0; attempt < 300 && found?.Total != 1; attempt++)
            {
                found = FhirJson.Parse<Bundle>(await client.GetStringAsync($"fhir/Patient?identifier=urn:dsn:mrn:nim|{mrn}"));
                if (found.Total != 1) await Task.Delay(50);
            }
            found!.Total.Should().Be(1, $"{mrn} was acknowledged, so it must be applied, exactly once");
        }
    }
}
