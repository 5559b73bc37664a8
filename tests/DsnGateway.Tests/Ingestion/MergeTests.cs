using System.Net;
using DsnGateway.Fhir.Model;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Ingestion;
using Microsoft.Extensions.DependencyInjection;

namespace DsnGateway.Tests.Ingestion;

/// <summary>
/// ADT^A40 over real MLLP sockets, read back through the gateway: the survivor (PID) keeps every identifier, the
/// record merged away (MRG-1) is retired with a replaced-by link, and the old MRN then names the survivor only.
/// </summary>
public class MergeTests : IClassFixture<GatewayFixture>
{
    private const string NimMrn = "urn:dsn:mrn:nim";
    private readonly GatewayFixture _gateway;

    public MergeTests(GatewayFixture gateway) => _gateway = gateway;

    private Task<IPEndPoint> MllpEndpoint => _gateway.Services.GetRequiredService<MllpListener>().BoundEndpoint;

    private static string Id() => Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();

    private async Task<List<Patient>> SearchAsync(string mrn) =>
        (FhirJson.Parse<Bundle>(await _gateway.Client.GetStringAsync($"fhir/Patient?identifier={NimMrn}|{mrn}")).Entry ?? [])
            .Select(e => e.Resource).OfType<Patient>().ToList();

    /// <summary>Delivery runs after the ACK: poll (bounded) until the search by MRN answers what is expected.</summary>
    private async Task<List<Patient>> WaitForAsync(string mrn, Func<List<Patient>, bool> expected, string because)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var found = await SearchAsync(mrn);
            if (expected(found)) return found;
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"the search by MRN {mrn} never showed that {because}: {FhirJson.Serialize(new Bundle { Type = "searchset", Entry = (await SearchAsync(mrn)).Select(p => new BundleEntry { Resource = p }).ToList() })}");
    }

    /// <summary>The retired record carries no NIM MRN any more, so a NIM clinician opens it with break-the-glass.</summary>
    private async Task<Patient> ReadWithBreakGlassAsync(string id)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"fhir/Patient/{id}");
        request.Headers.Add("X-Break-Glass", "verification d'une fusion de dossiers");
        using var response = await _gateway.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        return FhirJson.Parse<Patient>(body);
    }

    [Fact]
    public async Task A40_merges_A_into_B_and_the_old_MRN_then_names_B_only()
    {
        var mrn1 = "NIM" + Id();
        var mrn2 = "NIM" + Id();
        var mcq2 = "MCQ" + Id();
        await using var sender = await MllpTestClient.ConnectAsync(await MllpEndpoint);

        // A (MRN1) and B (MRN2, and an MCQ MRN) are two records of one person.
        AdtMessages.AckCode(await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", Id(), $"{mrn1}^^^NIM^MR",
            "Fusion^Ancien", "19600101", "M", time: "20261120080000")))).Should().Be("AA");
        AdtMessages.AckCode(await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", Id(), $"{mrn2}^^^NIM^MR~{mcq2}^^^MCQ^MR",
            "Fusion^Survivant", "19600101", "M", time: "20261120080100")))).Should().Be("AA");
        var a = (await WaitForAsync(mrn1, f => f.Count == 1, "A exists")).Single();
        var b = (await WaitForAsync(mrn2, f => f.Count == 1, "B exists")).Single();
        a.Id.Should().NotBe(b.Id);

        // A40: PID = B (the survivor), MRG-1 = A's MRN.
        var ack = await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A40("ADT_NIM", "NIM", Id(), $"{mrn2}^^^NIM^MR",
            "Fusion^Survivant", "19600101", "M", mrg1: $"{mrn1}^^^NIM^MR", time: "20261120090000")));
        AdtMessages.AckCode(ack).Should().Be("AA", ack);

        var survivor = (await WaitForAsync(mrn1, f => f.Count == 1 && f[0].Id == b.Id, "MRN1 names B only")).Single();
        survivor.Identifier!.Select(i => $"{i.System}|{i.Value}").Should().Contain([$"{NimMrn}|{mrn1}", $"{NimMrn}|{mrn2}", $"urn:dsn:mrn:mcq|{mcq2}"]);
        survivor.Active.Should().NotBe(false);
        survivor.Link.Should().ContainSingle().Which.Should().Match<PatientLink>(l => l.Type == "replaces" && l.Other!.ReferenceValue == $"Patient/{a.Id}");
        (await SearchAsync(mrn2)).Select(p => p.Id).Should().Equal(b.Id);

        var retired = await ReadWithBreakGlassAsync(a.Id!);
        retired.Active.Should().BeFalse();
        retired.Link.Should().ContainSingle().Which.Should().Match<PatientLink>(l => l.Type == "replaced-by" && l.Other!.ReferenceValue == $"Patient/{b.Id}");
        (retired.Identifier ?? []).Should().NotContain(i => i.System!.StartsWith("urn:dsn:mrn:"), "its MRNs moved to the survivor");
        retired.Name![0].Given.Should().Equal("Ancien");

        // A later A08 naming the old MRN updates the survivor, not the retired record.
        AdtMessages.AckCode(await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", Id(), $"{mrn1}^^^NIM^MR",
            "Fusion^Renommé", "19600101", "M", time: "20261120100000", trigger: "A08")))).Should().Be("AA");
        var updated = (await WaitForAsync(mrn1, f => f.Count == 1 && f[0].Name![0].Given!.SequenceEqual(["Renommé"]), "the A08 reached B")).Single();
        updated.Id.Should().Be(b.Id);
        updated.Identifier!.Select(i => i.Value).Should().Contain([mrn1, mrn2, mcq2]);
        var stillRetired = await ReadWithBreakGlassAsync(a.Id!);
        stillRetired.Active.Should().BeFalse();
        stillRetired.Name![0].Given.Should().Equal("Ancien");
        stillRetired.Meta!.VersionId.Should().Be(retired.Meta!.VersionId, "nothing wrote the retired record after the merge");
    }

    [Fact]
    public async Task A40_of_a_patient_never_seen_writes_the_survivor_with_the_old_MRN()
    {
        var unknown = "NIM" + Id();
        var mrn = "NIM" + Id();
        await using var sender = await MllpTestClient.ConnectAsync(await MllpEndpoint);

        var ack = await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A40("ADT_NIM", "NIM", Id(), $"{mrn}^^^NIM^MR",
            "Inconnu^Fusion", "19700202", "F", mrg1: $"{unknown}^^^NIM^MR")));
        AdtMessages.AckCode(ack).Should().Be("AA", ack);

        var survivor = (await WaitForAsync(mrn, f => f.Count == 1, "the survivor was written")).Single();
        survivor.Identifier!.Select(i => i.Value).Should().Contain([mrn, unknown]);
        survivor.Link.Should().BeNull("there is no record to point at");
        (await SearchAsync(unknown)).Select(p => p.Id).Should().Equal(survivor.Id);
    }

    [Fact]
    public async Task A40_joining_two_different_NAMs_is_dead_lettered_at_delivery_and_writes_nothing()
    {
        var mrn1 = "NIM" + Id();
        var mrn2 = "NIM" + Id();
        var control = Id();
        await using var sender = await MllpTestClient.ConnectAsync(await MllpEndpoint);
        AdtMessages.AckCode(await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", Id(), $"FUSA60010111^^^RAMQ^JHN~{mrn1}^^^NIM^MR",
            "Fusion^Ancien", "19600101", "M")))).Should().Be("AA");
        AdtMessages.AckCode(await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", Id(), $"FUSS60010122^^^RAMQ^JHN~{mrn2}^^^NIM^MR",
            "Fusion^Survivant", "19600101", "M")))).Should().Be("AA");
        var a = (await WaitForAsync(mrn1, f => f.Count == 1, "A exists")).Single();
        await WaitForAsync(mrn2, f => f.Count == 1, "B exists");

        var ack = await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A40("ADT_NIM", "NIM", control, $"FUSS60010122^^^RAMQ^JHN~{mrn2}^^^NIM^MR",
            "Fusion^Survivant", "19600101", "M", mrg1: $"{mrn1}^^^NIM^MR", time: "20261120090000")));
        AdtMessages.AckCode(ack).Should().Be("AA", "the store decides after the ACK");

        var store = _gateway.Services.GetRequiredService<InboxStore>();
        DeadLetterSummary? letter = null;
        for (var attempt = 0; attempt < 200 && letter is null; attempt++)
        {
            letter = (await store.ListDeadLettersAsync()).FirstOrDefault(l => l.ControlId == control);
            if (letter is null) await Task.Delay(50);
        }
        letter.Should().NotBeNull("a merge of two NAMs goes to the dead letters");
        letter!.Stage.Should().Be(DeadLetterStage.Delivery);
        letter.Reason.Should().Contain("NAM");
        var unchanged = (await SearchAsync(mrn1)).Should().ContainSingle().Subject;
        unchanged.Id.Should().Be(a.Id);
        unchanged.Active.Should().NotBe(false);
        unchanged.Meta!.VersionId.Should().Be(a.Meta!.VersionId);
    }

    [Theory]
    [InlineData("", "100")]
    [InlineData("MRG|", "101")]
    public async Task A40_without_MRG_or_MRG_1_is_refused_with_AE(string mrgSegment, string code)
    {
        var message = AdtMessages.A40("ADT_NIM", "NIM", Id(), $"NIM{Id()}^^^NIM^MR", "Sans^Fusion", "19700202", "F", mrg1: "X")
            .Replace("MRG|X\r", mrgSegment.Length == 0 ? "" : mrgSegment + "\r");
        await using var sender = await MllpTestClient.ConnectAsync(await MllpEndpoint);

        var ack = await sender.SendAsync(AdtMessages.Utf8(message));

        AdtMessages.AckCode(ack).Should().Be("AE", ack);
        AdtMessages.Field(ack, "ERR", 3).Should().StartWith(code);
    }
}
