using DsnGateway.Ingestion;
using DsnGateway.Mapping.Codes;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.Tests.Ingestion;

/// <summary>
/// RecordStoreDelivery.Merge: the ADT feed's snapshot (with its source time) replaces older demographics; a Patient
/// without a source time (the PID of an order, a charge or an account message: ADR 0008) only adds identifiers.
/// </summary>
public class PatientMergeTests
{
    private static Patient Person(string family, string? sourceTime, params (string System, string Value)[] ids) => new()
    {
        Id = sourceTime is null ? null : "p1",
        Identifier = ids.Select(i => new Identifier { System = i.System, Value = i.Value }).ToList(),
        Name = [new HumanName { Family = family }],
        Extension = sourceTime is null ? [] : [new Extension { Url = RecordStoreDelivery.SourceTimeExtension, Value = new FhirDateTime(sourceTime) }],
    };

    [Fact]
    public void An_order_PID_adds_identifiers_and_keeps_the_ADT_demographics()
    {
        var current = Person("Côté", "2026-11-20T13:00:00Z", ("urn:dsn:mrn:nim", "NIM1"));
        var merged = RecordStoreDelivery.Merge(current, Person("COTE", null, ("urn:dsn:mrn:nim", "NIM1"), ("urn:dsn:mrn:mcq", "MCQ1")));
        merged.Name[0].Family.Should().Be("Côté");
        merged.Identifier.Select(i => i.Value).Should().Equal("NIM1", "MCQ1");
        merged.Extension.Single().Value.Should().BeOfType<FhirDateTime>().Which.Value.Should().Be("2026-11-20T13:00:00Z", "the stored demographics keep their source time");
    }

    [Fact]
    public void An_order_PID_does_not_overwrite_a_patient_without_source_time_either()
    {
        // e.g. created by an earlier order, or loaded as sample data
        var current = Person("Tremblay", null, ("urn:dsn:mrn:nim", "NIM2"));
        current.Id = "p2";
        RecordStoreDelivery.Merge(current, Person("TREMBLAY", null, ("urn:dsn:mrn:nim", "NIM2"))).Name[0].Family.Should().Be("Tremblay");
    }

    [Fact]
    public void The_ADT_snapshot_replaces_demographics_without_source_time()
    {
        var current = Person("Tremblay", null, ("urn:dsn:mrn:nim", "NIM3"));
        current.Id = "p3";
        var merged = RecordStoreDelivery.Merge(current, Person("Tremblay-Roy", "2026-11-20T13:00:00Z", ("urn:dsn:mrn:nim", "NIM3")));
        merged.Name[0].Family.Should().Be("Tremblay-Roy");
        merged.Id.Should().Be("p3");
    }

    [Fact]
    public void A_newer_snapshot_saying_what_the_patient_holds_keeps_the_stored_source_time_so_no_version_is_written()
    {
        var current = Person("Roy", "2026-11-20T13:00:00Z", ("urn:dsn:mrn:nim", "NIM4"));
        var merged = RecordStoreDelivery.Merge(current, Person("Roy", "2026-11-20T15:00:00Z", ("urn:dsn:mrn:nim", "NIM4")));
        merged.Extension.Single().Value.Should().BeOfType<FhirDateTime>().Which.Value.Should().Be("2026-11-20T13:00:00Z", "nothing but the time differs: the Patient stays as stored");
    }

    [Fact]
    public void A_snapshot_older_than_the_latest_remembered_one_does_not_win_even_if_newer_than_the_patients_own()
    {
        var current = Person("Roy", "2026-11-20T13:00:00Z", ("urn:dsn:mrn:nim", "NIM5"));
        var older = Person("Roy-Ancien", "2026-11-20T14:00:00Z", ("urn:dsn:mrn:nim", "NIM5"));
        var remembered = new DateTimeOffset(2026, 11, 20, 15, 0, 0, TimeSpan.Zero);

        RecordStoreDelivery.Merge(current, older, remembered).Name[0].Family.Should().Be("Roy");
        RecordStoreDelivery.Merge(current, older).Name[0].Family.Should().Be("Roy-Ancien", "without a remembered time, 14:00 is the newest");
    }
}

/// <summary>The unmapped-codes counts live in the inbox and are written in the message's own transaction.</summary>
public class UnmappedCodeCountTests
{
    [Fact]
    public async Task Codes_are_counted_with_the_message_once_and_not_for_a_duplicate()
    {
        await using var kit = await InboxTestKit.CreateAsync();
        var writer = await kit.StartWriterAsync();
        var drug = new UnmappedCode("NIM", CodeKind.Drug, "urn:dsn:code:nim:pharmnim", "SIROP", "Sirop");
        var procedure = new UnmappedCode("NIM", CodeKind.Procedure, "urn:dsn:code:nim:local", "ZZ1", null);

        var first = InboxTestKit.Message("C1") with { UnmappedCodes = [drug, procedure, drug] };
        (await writer.AdmitAsync(first, CancellationToken.None)).Should().BeOfType<Admission.Committed>();
        (await writer.AdmitAsync(first, CancellationToken.None)).Should().BeOfType<Admission.Duplicate>();
        await writer.AdmitAsync(InboxTestKit.Message("C2") with { UnmappedCodes = [drug with { Display = "Sirop maison" }] }, CancellationToken.None);

        var counts = await kit.Store.ListUnmappedCodesAsync("nim");
        counts.Select(c => (c.Code, c.Count, c.Display)).Should().Equal(("SIROP", 2L, "Sirop maison"), ("ZZ1", 1L, (string?)null));
        (await kit.Store.ListUnmappedCodesAsync("MCQ")).Should().BeEmpty();
    }
}
