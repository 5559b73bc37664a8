using System.Net;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Ingestion;
using DsnGateway.Tests.Authorization;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.Tests.Ingestion;

/// <summary>
/// ADT^A40 over real MLLP sockets, read back through the gateway (FHIR's Patient merge, docs/arch/0011): the record
/// merged away (MRG-1) keeps its identifiers and is retired with a replaced-by link; the survivor (PID) links replaces
/// it and carries its identifiers with use: old, so a search by the old MRN finds both, and later messages land on the
/// survivor. Several PID/MRG groups are merged in one transaction, all or none.
/// </summary>
public class MergeTests : IClassFixture<GatewayFixture>
{
    private const string NimMrn = "urn:dsn:mrn:nim";
    private readonly GatewayFixture _gateway;

    public MergeTests(GatewayFixture gateway) => _gateway = gateway;

    private Task<IPEndPoint> MllpEndpoint => _gateway.Services.GetRequiredService<MllpListener>().BoundEndpoint;

    private static string Id() => Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();

    private async Task<List<Patient>> SearchAsync(string mrn) =>
        FhirJson.Parse<Bundle>(await _gateway.Client.GetStringAsync($"fhir/Patient?identifier={NimMrn}|{mrn}")).Entry
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
        throw new Xunit.Sdk.XunitException($"the search by MRN {mrn} never showed that {because}: {FhirJson.Serialize(new Bundle { Type = Bundle.BundleType.Searchset, Entry = (await SearchAsync(mrn)).Select(p => new Bundle.EntryComponent { Resource = p }).ToList() })}");
    }

    private async Task<Patient> ReadAsync(HttpClient client, string id)
    {
        using var response = await client.GetAsync($"fhir/Patient/{id}");
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        return FhirJson.Parse<Patient>(body);
    }

    private async Task<string> AdmitAsync(MllpTestClient sender, string application, string facility, string pid3, string name, string birth, string sex, string time = "20261120080000")
    {
        var ack = await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A01(application, facility, Id(), pid3, name, birth, sex, time: time)));
        AdtMessages.AckCode(ack).Should().Be("AA", ack);
        return ack;
    }

    private async Task<DeadLetterSummary> DeadLetterAsync(string control)
    {
        var store = _gateway.Services.GetRequiredService<InboxStore>();
        for (var attempt = 0; attempt < 200; attempt++)
        {
            if ((await store.ListDeadLettersAsync()).FirstOrDefault(l => l.ControlId == control) is { } letter) return letter;
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"message {control} never reached the dead letters");
    }

    [Fact]
    public async Task A40_merges_A_into_B_the_old_MRN_finds_both_and_later_messages_land_on_B()
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

        var both = await WaitForAsync(mrn1, f => f.Count == 2, "MRN1 finds the retired record and its survivor");
        both.Select(p => p.Id).Should().BeEquivalentTo([a.Id, b.Id]);
        var survivor = both.Single(p => p.Id == b.Id);
        survivor.Identifier.Select(i => $"{i.System}|{i.Value}").Should().Contain([$"{NimMrn}|{mrn1}", $"{NimMrn}|{mrn2}", $"urn:dsn:mrn:mcq|{mcq2}"]);
        survivor.Identifier.Single(i => i.Value == mrn1).Use.Should().Be(Identifier.IdentifierUse.Old, "the survivor carries the retired identifiers as old ones");
        survivor.Identifier.Single(i => i.Value == mrn2).Use.Should().NotBe(Identifier.IdentifierUse.Old);
        survivor.Active.Should().NotBe(false);
        survivor.Link.Should().ContainSingle().Which.Should().Match<Patient.LinkComponent>(l => l.Type == Patient.LinkType.Replaces && l.Other!.Reference == $"Patient/{a.Id}");
        (await SearchAsync(mrn2)).Select(p => p.Id).Should().Equal(b.Id);

        var retired = await ReadAsync(_gateway.Client, a.Id!);
        retired.Active.Should().BeFalse();
        retired.Link.Should().ContainSingle().Which.Should().Match<Patient.LinkComponent>(l => l.Type == Patient.LinkType.ReplacedBy && l.Other!.Reference == $"Patient/{b.Id}");
        retired.Identifier.Select(i => $"{i.System}|{i.Value}").Should().Contain($"{NimMrn}|{mrn1}", "the retired record keeps its identifiers");
        retired.Name[0].Given.Should().Equal("Ancien");

        // A later A08 naming the old MRN updates the survivor, not the retired record.
        AdtMessages.AckCode(await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A01("ADT_NIM", "NIM", Id(), $"{mrn1}^^^NIM^MR",
            "Fusion^Renommé", "19600101", "M", time: "20261120100000", trigger: "A08")))).Should().Be("AA");
        var updated = (await WaitForAsync(mrn1, f => f.Any(p => p.Id == b.Id && p.Name[0].Given.SequenceEqual(["Renommé"])), "the A08 reached B")).Single(p => p.Id == b.Id);
        updated.Identifier.Select(i => i.Value).Should().Contain([mrn1, mrn2, mcq2]);
        var stillRetired = await ReadAsync(_gateway.Client, a.Id!);
        stillRetired.Active.Should().BeFalse();
        stillRetired.Name[0].Given.Should().Equal("Ancien");
        stillRetired.Meta!.VersionId.Should().Be(retired.Meta!.VersionId, "nothing wrote the retired record after the merge");
    }

    [Fact]
    public async Task A40_with_two_groups_merges_both_pairs()
    {
        var (old1, new1, old2, new2) = ("NIM" + Id(), "NIM" + Id(), "NIM" + Id(), "NIM" + Id());
        await using var sender = await MllpTestClient.ConnectAsync(await MllpEndpoint);
        foreach (var (mrn, name) in new[] { (old1, "Un^Ancien"), (new1, "Un^Survivant"), (old2, "Deux^Ancien"), (new2, "Deux^Survivant") })
            await AdmitAsync(sender, "ADT_NIM", "NIM", $"{mrn}^^^NIM^MR", name, "19600101", "M");
        var before = new Dictionary<string, Patient>();
        foreach (var mrn in new[] { old1, new1, old2, new2 })
            before[mrn] = (await WaitForAsync(mrn, f => f.Count == 1, $"{mrn} exists")).Single();

        var message = AdtMessages.A40("ADT_NIM", "NIM", Id(), $"{new1}^^^NIM^MR", "Un^Survivant", "19600101", "M", mrg1: $"{old1}^^^NIM^MR", time: "20261120090000")
            + $"PID|2||{new2}^^^NIM^MR||Deux^Survivant||19600101|M\rMRG|{old2}^^^NIM^MR\r";
        var ack = await sender.SendAsync(AdtMessages.Utf8(message));
        AdtMessages.AckCode(ack).Should().Be("AA", ack);

        foreach (var (old, survivor) in new[] { (old1, new1), (old2, new2) })
        {
            var found = await WaitForAsync(old, f => f.Count == 2, $"{old} was merged into {survivor}");
            var retired = found.Single(p => p.Id == before[old].Id);
            retired.Active.Should().BeFalse();
            retired.Link.Should().ContainSingle().Which.Other!.Reference.Should().Be($"Patient/{before[survivor].Id}");
            found.Single(p => p.Id == before[survivor].Id).Link.Should().ContainSingle().Which.Other!.Reference.Should().Be($"Patient/{retired.Id}");
        }
    }

    [Fact]
    public async Task A40_whose_second_group_conflicts_at_delivery_is_dead_lettered_and_applies_nothing()
    {
        var (old1, new1, old2, new2) = ("NIM" + Id(), "NIM" + Id(), "NIM" + Id(), "NIM" + Id());
        var control = Id();
        await using var sender = await MllpTestClient.ConnectAsync(await MllpEndpoint);
        await AdmitAsync(sender, "ADT_NIM", "NIM", $"{old1}^^^NIM^MR", "Un^Ancien", "19600101", "M");
        await AdmitAsync(sender, "ADT_NIM", "NIM", $"{new1}^^^NIM^MR", "Un^Survivant", "19600101", "M");
        // Group 2 joins two different NAMs: only the store knows that, after the ACK.
        await AdmitAsync(sender, "ADT_NIM", "NIM", $"DEUA60010111^^^RAMQ^JHN~{old2}^^^NIM^MR", "Deux^Ancien", "19600101", "M");
        await AdmitAsync(sender, "ADT_NIM", "NIM", $"DEUS60010122^^^RAMQ^JHN~{new2}^^^NIM^MR", "Deux^Survivant", "19600101", "M");
        var before = new Dictionary<string, Patient>();
        foreach (var mrn in new[] { old1, new1, old2, new2 })
            before[mrn] = (await WaitForAsync(mrn, f => f.Count == 1, $"{mrn} exists")).Single();

        var message = AdtMessages.A40("ADT_NIM", "NIM", control, $"{new1}^^^NIM^MR", "Un^Survivant", "19600101", "M", mrg1: $"{old1}^^^NIM^MR", time: "20261120090000")
            + $"PID|2||DEUS60010122^^^RAMQ^JHN~{new2}^^^NIM^MR||Deux^Survivant||19600101|M\rMRG|{old2}^^^NIM^MR\r";
        AdtMessages.AckCode(await sender.SendAsync(AdtMessages.Utf8(message))).Should().Be("AA", "the store decides after the ACK");

        var letter = await DeadLetterAsync(control);
        letter.Stage.Should().Be(DeadLetterStage.Delivery);
        letter.Reason.Should().Contain("group 2").And.Contain("NAM");
        foreach (var mrn in new[] { old1, new1, old2, new2 })
        {
            var now = (await SearchAsync(mrn)).Should().ContainSingle($"{mrn} was not merged").Subject;
            now.Active.Should().NotBe(false);
            now.Meta!.VersionId.Should().Be(before[mrn].Meta!.VersionId, "nothing of the message was applied, group 1 included");
        }
    }

    [Fact]
    public async Task A40_with_a_malformed_second_group_is_AE_naming_the_group()
    {
        var message = AdtMessages.A40("ADT_NIM", "NIM", Id(), $"NIM{Id()}^^^NIM^MR", "Un^Survivant", "19600101", "M", mrg1: $"NIM{Id()}^^^NIM^MR")
            + $"PID|2||NIM{Id()}^^^NIM^MR||Deux^Survivant||19600101|M\rMRG|111^^^LAB^PI\r";
        await using var sender = await MllpTestClient.ConnectAsync(await MllpEndpoint);

        var ack = await sender.SendAsync(AdtMessages.Utf8(message));

        AdtMessages.AckCode(ack).Should().Be("AE", ack);
        AdtMessages.Field(ack, "ERR", 2).Should().StartWith("MRG^2^1");
        AdtMessages.Field(ack, "ERR", 8).Should().StartWith("group 2: ");
    }

    [Fact]
    public async Task A40_whose_second_survivor_conflicts_with_a_stored_identity_is_AE_naming_the_group()
    {
        var bound = "NIM" + Id();
        await using var sender = await MllpTestClient.ConnectAsync(await MllpEndpoint);
        await AdmitAsync(sender, "ADT_NIM", "NIM", $"CONA60010111^^^RAMQ^JHN~{bound}^^^NIM^MR", "Conflit^Lie", "19600101", "M");
        await WaitForAsync(bound, f => f.Count == 1, "the MRN is bound to its NAM");

        var message = AdtMessages.A40("ADT_NIM", "NIM", Id(), $"NIM{Id()}^^^NIM^MR", "Un^Survivant", "19600101", "M", mrg1: $"NIM{Id()}^^^NIM^MR")
            + $"PID|2||CONB60010122^^^RAMQ^JHN~{bound}^^^NIM^MR||Conflit^Autre||19600101|M\rMRG|NIM{Id()}^^^NIM^MR\r";
        var ack = await sender.SendAsync(AdtMessages.Utf8(message));

        AdtMessages.AckCode(ack).Should().Be("AE", ack);
        AdtMessages.Field(ack, "ERR", 3).Should().StartWith("207");
        AdtMessages.Field(ack, "ERR", 8).Should().StartWith("group 2: identity conflict");
    }

    /// <summary>An MCQ-only record (A) merged into a NIM patient (B): what a NIM clinician sees of it.</summary>
    private async Task<(Patient Retired, Patient Survivor, string McqMrn)> MergeMcqRecordIntoNimPatientAsync(MllpTestClient sender)
    {
        var (mcq, nim) = ("MCQ" + Id(), "NIM" + Id());
        await AdmitAsync(sender, "ADT_MCQ", "MCQ", $"{mcq}^^^MCQ^MR", "Visible^Ancien", "19700303", "F");
        await AdmitAsync(sender, "ADT_NIM", "NIM", $"{nim}^^^NIM^MR", "Visible^Survivant", "19700303", "F");
        var b = (await WaitForAsync(nim, f => f.Count == 1, "B exists")).Single();
        var ack = await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A40("ADT_NIM", "NIM", Id(), $"{nim}^^^NIM^MR",
            "Visible^Survivant", "19700303", "F", mrg1: $"{mcq}^^^MCQ^MR", time: "20261120090000")));
        AdtMessages.AckCode(ack).Should().Be("AA", ack);
        var survivor = (await WaitForAsync(nim, f => f.Count == 1 && f[0].Link is { Count: 1 }, "B replaces A")).Single();
        survivor.Id.Should().Be(b.Id);
        var retiredId = survivor.Link[0].Other!.Reference!["Patient/".Length..];
        using var mcqClinician = _gateway.ClientWith(_gateway.Token(establishment: "MCQ"));
        return (await ReadAsync(mcqClinician, retiredId), survivor, mcq);
    }

    [Fact]
    public async Task A_NIM_clinician_who_sees_the_survivor_reads_the_retired_MCQ_record_and_finds_both_by_its_MRN()
    {
        await using var sender = await MllpTestClient.ConnectAsync(await MllpEndpoint);
        var (retired, survivor, mcq) = await MergeMcqRecordIntoNimPatientAsync(sender);
        retired.Identifier.Should().OnlyContain(i => i.System != NimMrn, "the retired record carries no NIM MRN of its own");

        // _gateway.Client is a NIM clinician: the replaces link leads to a record it may read.
        var read = await ReadAsync(_gateway.Client, retired.Id!);
        read.Active.Should().BeFalse();
        var found = FhirJson.Parse<Bundle>(await _gateway.Client.GetStringAsync($"fhir/Patient?identifier=urn:dsn:mrn:mcq|{mcq}"));
        found.Total.Should().Be(2);
        found.Entry.Select(e => e.Resource!.Id).Should().BeEquivalentTo([retired.Id, survivor.Id]);
    }

    [Fact]
    public async Task A_restricted_survivor_restricts_the_retired_record_too()
    {
        await using var sender = await MllpTestClient.ConnectAsync(await MllpEndpoint);
        var (retired, survivor, mcq) = await MergeMcqRecordIntoNimPatientAsync(sender);
        using var admin = _gateway.Admin();
        (await admin.PostAsync($"admin/patients/{survivor.Id}/restricted", null)).StatusCode.Should().Be(HttpStatusCode.OK);

        foreach (var establishment in new[] { "NIM", "MCQ" })
        {
            using var clinician = _gateway.ClientWith(_gateway.Token(establishment: establishment));
            using var refused = await clinician.GetAsync($"fhir/Patient/{retired.Id}");
            refused.StatusCode.Should().Be(HttpStatusCode.Forbidden, $"a {establishment} clinician does not open the retired record of a restricted patient without break-the-glass");
            var count = FhirJson.Parse<Bundle>(await clinician.GetStringAsync($"fhir/Patient?identifier=urn:dsn:mrn:mcq|{mcq}&_summary=count"));
            count.Total.Should().Be(0, "the restriction is in the query: counts reveal nothing");
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, $"fhir/Patient/{retired.Id}");
        request.Headers.Add("X-Break-Glass", "urgence: verification d'une fusion");
        using var opened = await _gateway.Client.SendAsync(request);
        opened.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_CSV_row_naming_the_retired_MRN_updates_the_survivor()
    {
        var (mrn1, mrn2) = ("P" + Id(), "P" + Id());
        await using var sender = await MllpTestClient.ConnectAsync(await MllpEndpoint);
        await AdmitAsync(sender, "ADT_NIM", "NIM", $"{mrn1}^^^NIM^MR", "Csv^Ancien", "19600101", "M");
        await AdmitAsync(sender, "ADT_NIM", "NIM", $"{mrn2}^^^NIM^MR", "Csv^Survivant", "19600101", "M");
        var a = (await WaitForAsync(mrn1, f => f.Count == 1, "A exists")).Single();
        var b = (await WaitForAsync(mrn2, f => f.Count == 1, "B exists")).Single();
        AdtMessages.AckCode(await sender.SendAsync(AdtMessages.Utf8(AdtMessages.A40("ADT_NIM", "NIM", Id(), $"{mrn2}^^^NIM^MR",
            "Csv^Survivant", "19600101", "M", mrg1: $"{mrn1}^^^NIM^MR", time: "20261120090000")))).Should().Be("AA");
        var retired = (await WaitForAsync(mrn1, f => f.Count == 2, "A was merged into B")).Single(p => p.Id == a.Id);

        var file = Csv.CsvFixtures.French(Csv.CsvFixtures.FrenchPatientHeader, $";{mrn1};Csv;Corrigé;01/01/1960;Homme;;;;;;21/11/2026 08:30");
        var content = new ByteArrayContent(file);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");
        using var system = _gateway.ClientWith(_gateway.Token(role: "system", scope: "system/*.cu", establishment: "NIM"));
        using var response = await system.PostAsync("ingest/csv/nim/patients", content);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        body.Should().Contain("\"accepted\":1");

        var updated = (await WaitForAsync(mrn1, f => f.Any(p => p.Id == b.Id && p.Name[0].Given.SequenceEqual(["Corrigé"])), "the row reached B")).Single(p => p.Id == b.Id);
        updated.Active.Should().NotBe(false);
        var stillRetired = await ReadAsync(_gateway.Client, a.Id!);
        stillRetired.Meta!.VersionId.Should().Be(retired.Meta!.VersionId, "nothing wrote the retired record");
        stillRetired.Name[0].Given.Should().Equal("Ancien");
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
        survivor.Identifier.Select(i => i.Value).Should().Contain([mrn, unknown]);
        survivor.Identifier.Single(i => i.Value == unknown).Use.Should().Be(Identifier.IdentifierUse.Old);
        survivor.Link.Should().BeEmpty("there is no record to point at");
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

        var letter = await DeadLetterAsync(control);
        letter.Stage.Should().Be(DeadLetterStage.Delivery);
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
