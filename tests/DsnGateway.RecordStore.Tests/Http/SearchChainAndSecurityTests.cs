using DsnGateway.Fhir.Model;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using static DsnGateway.RecordStore.Tests.Http.SearchTestData;

namespace DsnGateway.RecordStore.Tests.Http;

public class SearchChainAndSecurityTests : IClassFixture<RecordStoreFixture>
{
    private readonly RecordStoreFixture _store;

    public SearchChainAndSecurityTests(RecordStoreFixture store) => _store = store;

    [Fact]
    public async Task Chained_identifier_by_system_only_and_by_system_and_value()
    {
        var din = Unique()[..8];
        var nimValue = Unique();
        var nim = await _store.CreateAsync(Patient(identifiers: [new Identifier { System = Mrn, Value = nimValue }]));
        var mcq = await _store.CreateAsync(Patient(identifiers: [new Identifier { System = "urn:dsn:mrn:mcq", Value = Unique() }]));
        var nimOrder = await _store.CreateAsync(Order(nim.Id!, din: din));
        var mcqOrder = await _store.CreateAsync(Order(mcq.Id!, din: din));
        var nimProcedure = await _store.CreateAsync(Procedure(nim.Id!));

        (await _store.FindAsync($"MedicationRequest?code={din}&subject:Patient.identifier={E(Mrn)}|")).Should().Equal(nimOrder.Id);
        (await _store.FindAsync($"MedicationRequest?code={din}&subject:Patient.identifier=urn:dsn:mrn:mcq|")).Should().Equal(mcqOrder.Id);
        (await _store.FindAsync($"MedicationRequest?patient.identifier={E(Mrn)}|{nimValue}")).Should().Equal(nimOrder.Id);
        (await _store.FindAsync($"MedicationRequest?patient.identifier={nimValue}")).Should().Equal(nimOrder.Id);
        (await _store.FindAsync($"MedicationRequest?patient.identifier=urn:dsn:mrn:mcq|{nimValue}")).Should().BeEmpty();
        (await _store.FindAsync($"Procedure?patient.identifier={E(Mrn)}|{nimValue}")).Should().Equal(nimProcedure.Id);
        (await _store.FindAsync($"Procedure?subject:Patient.identifier={E(Mrn)}|{nimValue}")).Should().Equal(nimProcedure.Id);
        (await _store.FindAsync($"MedicationRequest?code={din}&patient.family={E(nim.Name![0].Family!.ToLowerInvariant())}")).Should().Equal(nimOrder.Id);
        (await _store.FindAsync($"MedicationRequest?code={din}&patient._id={mcq.Id}")).Should().Equal(mcqOrder.Id);
    }

    [Fact]
    public async Task Security_labels_with_and_without_not_directly_and_through_the_chain()
    {
        var din = Unique()[..8];
        var family = "Sec" + Unique();
        var restricted = await _store.CreateAsync(Patient(family: family, security: [Restricted]));
        var normal = await _store.CreateAsync(Patient(family: family, security: [new Coding { System = Confidentiality, Code = "N" }]));
        var unlabelled = await _store.CreateAsync(Patient(family: family));
        var rOrder = await _store.CreateAsync(Order(restricted.Id!, din: din));
        var nOrder = await _store.CreateAsync(Order(normal.Id!, din: din));
        var uOrder = await _store.CreateAsync(Order(unlabelled.Id!, din: din));
        var r = E($"{Confidentiality}|R");

        (await _store.FindAsync($"Patient?family={family}&_security={r}")).Should().Equal(restricted.Id);
        (await _store.FindAsync($"Patient?family={family}&_security=R")).Should().Equal(restricted.Id);
        (await _store.FindAsync($"Patient?family={family}&_security:not={r}")).Should().Equal(normal.Id, unlabelled.Id);
        (await _store.FindAsync($"MedicationRequest?code={din}&patient._security:not={r}")).Should().Equal(nOrder.Id, uOrder.Id);
        (await _store.FindAsync($"MedicationRequest?code={din}&subject:Patient._security:not={r}")).Should().Equal(nOrder.Id, uOrder.Id);
        (await _store.FindAsync($"MedicationRequest?code={din}&patient._security={r}")).Should().Equal(rOrder.Id);

        var total = await _store.SearchAsync($"MedicationRequest?code={din}&patient._security:not={r}&_summary=count");
        total.Total.Should().Be(2, "the restriction is in the query, so the count never reveals the restricted order");
    }

    /// <summary>Ours (docs/arch/0011): a Patient's identifiers and labels, or those of a Patient its link names.</summary>
    [Fact]
    public async Task Linked_identifier_and_linked_security_follow_the_patient_link_directly_and_through_the_chain()
    {
        var din = Unique()[..8];
        var family = "Lnk" + Unique();
        Identifier Mcq() => new() { System = "urn:dsn:mrn:mcq", Value = Unique() };
        Patient LinkedTo(Patient survivor) => new()
        {
            Identifier = [Mcq()],
            Name = [new HumanName { Family = family }],
            Active = false,
            Link = [new Hl7.Fhir.Model.Patient.LinkComponent { Type = Hl7.Fhir.Model.Patient.LinkType.ReplacedBy, Other = new ResourceReference { Reference = $"Patient/{survivor.Id}" } }],
        };
        var open = await _store.CreateAsync(Patient(family: family));
        var retiredIntoOpen = await _store.CreateAsync(LinkedTo(open));
        var restricted = await _store.CreateAsync(Patient(family: family, security: [Restricted]));
        var retiredIntoRestricted = await _store.CreateAsync(LinkedTo(restricted));
        var other = await _store.CreateAsync(Patient(family: family, identifiers: [Mcq()]));
        var orders = new List<string>();
        foreach (var patient in new[] { open, retiredIntoOpen, restricted, retiredIntoRestricted, other })
            orders.Add((await _store.CreateAsync(Order(patient.Id!, din: din))).Id!);
        var (nim, notR) = ($"linked-identifier={E(Mrn)}|", $"linked-security:not={E($"{Confidentiality}|R")}");

        (await _store.FindAsync($"Patient?family={family}&{nim}")).Should().Equal(open.Id, retiredIntoOpen.Id, restricted.Id, retiredIntoRestricted.Id);
        (await _store.FindAsync($"Patient?family={family}&{nim}&{notR}")).Should().Equal(open.Id, retiredIntoOpen.Id);
        (await _store.FindAsync($"Patient?family={family}&{notR}")).Should().Equal(open.Id, retiredIntoOpen.Id, other.Id);
        (await _store.FindAsync($"MedicationRequest?code={din}&patient.{nim}&patient.{notR}")).Should().Equal(orders[0], orders[1]);
        (await _store.SearchAsync($"MedicationRequest?code={din}&patient.{nim}&patient.{notR}&_summary=count")).Total.Should().Be(2);
    }

    [Fact]
    public async Task Tags_with_and_without_not_directly_and_through_the_chain()
    {
        var din = Unique()[..8];
        var tag = new Coding { System = "urn:dsn:tag", Code = Unique() };
        var tagged = await _store.CreateAsync(Patient(tags: [tag]));
        var plain = await _store.CreateAsync(Patient());
        var taggedOrder = await _store.CreateAsync(Order(plain.Id!, din: din, tags: [tag]));
        var plainOrder = await _store.CreateAsync(Order(plain.Id!, din: din));
        var ofTagged = await _store.CreateAsync(Order(tagged.Id!, din: din));
        var t = E($"{tag.System}|{tag.Code}");

        (await _store.FindAsync($"Patient?_tag={t}")).Should().Equal(tagged.Id);
        (await _store.FindAsync($"MedicationRequest?code={din}&_tag={t}")).Should().Equal(taggedOrder.Id);
        (await _store.FindAsync($"MedicationRequest?code={din}&_tag:not={t}")).Should().Equal(plainOrder.Id, ofTagged.Id);
        (await _store.FindAsync($"MedicationRequest?code={din}&patient._tag={t}")).Should().Equal(ofTagged.Id);
        (await _store.FindAsync($"MedicationRequest?code={din}&patient._tag:not={t}")).Should().Equal(taggedOrder.Id, plainOrder.Id);
        (await _store.FindAsync($"MedicationRequest?code={din}&patient._tag:not={t}&_tag:not={t}")).Should().Equal(plainOrder.Id);
    }

    [Fact]
    public async Task Removing_a_label_by_update_removes_it_from_search()
    {
        var family = "Unlabel" + Unique();
        var p = await _store.CreateAsync(Patient(family: family, security: [Restricted]));
        (await _store.FindAsync($"Patient?family={family}&_security:not={E($"{Confidentiality}|R")}")).Should().BeEmpty();
        p.Meta!.Security = null;
        await _store.UpdateAsync(p);
        (await _store.FindAsync($"Patient?family={family}&_security:not={E($"{Confidentiality}|R")}")).Should().Equal(p.Id);
    }
}
