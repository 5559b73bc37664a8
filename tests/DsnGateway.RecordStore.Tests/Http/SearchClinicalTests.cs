using DsnGateway.Fhir.Model;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using static DsnGateway.RecordStore.Tests.Http.SearchTestData;

namespace DsnGateway.RecordStore.Tests.Http;

/// <summary>MedicationRequest and Procedure search parameters.</summary>
public class SearchClinicalTests : IClassFixture<RecordStoreFixture>
{
    private readonly RecordStoreFixture _store;

    public SearchClinicalTests(RecordStoreFixture store) => _store = store;

    [Fact]
    public async Task MedicationRequest_by_patient_and_subject()
    {
        var p = await _store.CreateAsync(Patient());
        var other = await _store.CreateAsync(Patient());
        var o1 = await _store.CreateAsync(Order(p.Id!));
        var o2 = await _store.CreateAsync(Order(p.Id!));
        await _store.CreateAsync(Order(other.Id!));

        foreach (var query in new[] { $"patient=Patient/{p.Id}", $"patient={p.Id}", $"subject=Patient/{p.Id}", $"subject={p.Id}",
                     $"subject:Patient={p.Id}", $"patient:Patient={p.Id}", $"subject={E(_store.BaseUri + "Patient/" + p.Id)}" })
        {
            (await _store.FindAsync($"MedicationRequest?{query}")).Should().Equal([o1.Id, o2.Id], query);
        }
        (await _store.FindAsync($"MedicationRequest?patient=Patient/{p.Id},Patient/{other.Id}")).Should().HaveCount(3);
        (await _store.FindAsync($"MedicationRequest?subject=Group/{p.Id}")).Should().BeEmpty();
    }

    [Fact]
    public async Task MedicationRequest_by_status_intent_code_identifier()
    {
        var p = await _store.CreateAsync(Patient());
        var din = Unique()[..8];
        var ident = Unique();
        var active = await _store.CreateAsync(Order(p.Id!, status: "active", intent: "order", din: din, identifier: ident));
        var stopped = await _store.CreateAsync(Order(p.Id!, status: "stopped", intent: "plan", din: din));
        var onHold = await _store.CreateAsync(Order(p.Id!, status: "on-hold", intent: "order"));
        var pq = $"patient={p.Id}";

        (await _store.FindAsync($"MedicationRequest?{pq}&status=active")).Should().Equal(active.Id);
        (await _store.FindAsync($"MedicationRequest?{pq}&status=active,stopped")).Should().Equal(active.Id, stopped.Id);
        (await _store.FindAsync($"MedicationRequest?{pq}&status={E("http://hl7.org/fhir/CodeSystem/medicationrequest-status|on-hold")}")).Should().Equal(onHold.Id);
        (await _store.FindAsync($"MedicationRequest?{pq}&status:not=active")).Should().Equal(stopped.Id, onHold.Id);
        (await _store.FindAsync($"MedicationRequest?{pq}&intent=plan")).Should().Equal(stopped.Id);
        (await _store.FindAsync($"MedicationRequest?{pq}&intent=order")).Should().Equal(active.Id, onHold.Id);
        (await _store.FindAsync($"MedicationRequest?code={E(Din)}|{din}")).Should().Equal(active.Id, stopped.Id);
        (await _store.FindAsync($"MedicationRequest?code={din}")).Should().Equal(active.Id, stopped.Id);
        (await _store.FindAsync($"MedicationRequest?code=urn:other|{din}")).Should().BeEmpty();
        (await _store.FindAsync($"MedicationRequest?identifier=urn:dsn:order:nim:placer|{ident}")).Should().Equal(active.Id);
        (await _store.FindAsync($"MedicationRequest?identifier={ident}")).Should().Equal(active.Id);
        (await _store.FindAsync($"MedicationRequest?identifier=urn:dsn:order:nim:filler|{ident}")).Should().BeEmpty();
        (await _store.FindAsync($"MedicationRequest?{pq}&status=active&intent=plan")).Should().BeEmpty();
    }

    [Fact]
    public async Task MedicationRequest_by_authoredon()
    {
        var p = await _store.CreateAsync(Patient());
        var march = await _store.CreateAsync(Order(p.Id!, authoredOn: "2024-03-01T10:15:00-05:00"));
        var april = await _store.CreateAsync(Order(p.Id!, authoredOn: "2024-04-20"));
        var none = await _store.CreateAsync(Order(p.Id!));
        var pq = $"patient={p.Id}";

        (await _store.FindAsync($"MedicationRequest?{pq}&authoredon=2024-03")).Should().Equal(march.Id);
        (await _store.FindAsync($"MedicationRequest?{pq}&authoredon=2024-03-01")).Should().Equal(march.Id);
        (await _store.FindAsync($"MedicationRequest?{pq}&authoredon={E("2024-03-01T15:15:00Z")}")).Should().Equal(march.Id);
        (await _store.FindAsync($"MedicationRequest?{pq}&authoredon=2024")).Should().Equal(march.Id, april.Id);
        (await _store.FindAsync($"MedicationRequest?{pq}&authoredon=gt2024-03-31")).Should().Equal(april.Id);
        (await _store.FindAsync($"MedicationRequest?{pq}&authoredon=lt{E("2024-03-01T15:15:00Z")}")).Should().BeEmpty();
        (await _store.FindAsync($"MedicationRequest?{pq}&authoredon=le{E("2024-03-01T15:15:00Z")}")).Should().Equal(march.Id);
        (await _store.FindAsync($"MedicationRequest?{pq}&authoredon=ne2024-04-20")).Should().Equal([march.Id], "a value search never finds a resource without the value");
        none.Id.Should().NotBeNull();
    }

    [Fact]
    public async Task Procedure_by_patient_subject_code_status_identifier()
    {
        var p = await _store.CreateAsync(Patient());
        var other = await _store.CreateAsync(Patient());
        var cci = Unique()[..10];
        var ident = Unique();
        var done = await _store.CreateAsync(Procedure(p.Id!, status: "completed", cci: cci, identifier: ident));
        var running = await _store.CreateAsync(Procedure(p.Id!, status: "in-progress"));
        var elsewhere = await _store.CreateAsync(Procedure(other.Id!, status: "completed", cci: cci));

        (await _store.FindAsync($"Procedure?patient=Patient/{p.Id}")).Should().Equal(done.Id, running.Id);
        (await _store.FindAsync($"Procedure?patient={p.Id}")).Should().Equal(done.Id, running.Id);
        (await _store.FindAsync($"Procedure?subject=Patient/{p.Id}")).Should().Equal(done.Id, running.Id);
        (await _store.FindAsync($"Procedure?code={E(Cci)}|{cci}")).Should().Equal(done.Id, elsewhere.Id);
        (await _store.FindAsync($"Procedure?code={E(Cci)}|{cci}&patient={other.Id}")).Should().Equal(elsewhere.Id);
        (await _store.FindAsync($"Procedure?patient={p.Id}&status=in-progress")).Should().Equal(running.Id);
        (await _store.FindAsync($"Procedure?patient={p.Id}&status=http://hl7.org/fhir/event-status|completed")).Should().Equal(done.Id);
        (await _store.FindAsync($"Procedure?identifier=urn:dsn:procedure:nim|{ident}")).Should().Equal(done.Id);
        (await _store.FindAsync($"Procedure?identifier=|{ident}")).Should().BeEmpty();
    }

    public static TheoryData<string, string[]> ProcedureDateCases() => new()
    {
        // a: performedDateTime 2023-05-10T14:30:00Z; b: period 2023-05-01 .. 2023-05-31; c: period from 2023-06-15 (open end);
        // d: period until 2023-01-31 (open start); e: period 2023-05-10T08:00:00Z .. 2023-05-10T09:00:00Z
        { "2023-05-10", ["a", "e"] },
        { "2023-05", ["a", "b", "e"] },
        { "2023", ["a", "b", "e"] },
        { "ge2023-06-01", ["c"] },
        { "gt2023-05-31", ["c"] },
        { "ge2023-05-31", ["c"] }, // b ends within 2023-05-31: nothing of it lies above, and the day does not contain it
        { "le2023-01-31", ["d"] },
        { "lt2023-05-10", ["b", "d"] },
        { "le2023-05-10", ["a", "b", "d", "e"] },
        { "sa2023-05-31", ["c"] },
        { "eb2023-05-01", ["d"] },
        { "ne2023-05", ["c", "d"] },
        { "2030", [] },
        { "ge2030", ["c"] },
        { "le1900", ["d"] },
        { "eq2023-05-10T08:30:00Z", [] },
        { "ge2023-05-10T08:30:00Z", ["a", "b", "c", "e"] },
        { "lt2023-05-10T08:30:00Z", ["b", "d", "e"] },
    };

    [Theory]
    [MemberData(nameof(ProcedureDateCases))]
    public async Task Procedure_by_date_over_datetimes_and_periods(string value, string[] expected)
    {
        var p = await _store.CreateAsync(Patient());
        var made = new Dictionary<string, string>
        {
            ["a"] = (await _store.CreateAsync(Procedure(p.Id!, performed: "2023-05-10T14:30:00Z"))).Id!,
            ["b"] = (await _store.CreateAsync(Procedure(p.Id!, period: new Period { Start = "2023-05-01", End = "2023-05-31" }))).Id!,
            ["c"] = (await _store.CreateAsync(Procedure(p.Id!, period: new Period { Start = "2023-06-15" }))).Id!,
            ["d"] = (await _store.CreateAsync(Procedure(p.Id!, period: new Period { End = "2023-01-31" }))).Id!,
            ["e"] = (await _store.CreateAsync(Procedure(p.Id!, period: new Period { Start = "2023-05-10T08:00:00Z", End = "2023-05-10T09:00:00Z" }))).Id!,
        };
        await _store.CreateAsync(Procedure(p.Id!)); // no date
        var found = await _store.FindAsync($"Procedure?patient={p.Id}&date={E(value)}");
        var names = made.Where(kv => found.Contains(kv.Value)).Select(kv => kv.Key);
        names.Should().BeEquivalentTo(expected, $"date={value}");
        found.Should().HaveCount(expected.Length, "a date search never finds the procedure without a date, not even with ne");
    }

    [Fact]
    public async Task Procedure_performed_with_sub_millisecond_precision_is_found()
    {
        var p = await _store.CreateAsync(Patient());
        var precise = await _store.CreateAsync(Procedure(p.Id!, performed: "2023-05-10T14:30:00.1234Z"));
        foreach (var value in new[] { "2023-05-10T14:30:00.1234Z", "2023-05-10T14:30:00Z", "2023-05-10", "ge2023-05-10T14:30:00.1234Z", "le2023-05-10T14:30:00.1234Z", "gt2023-05-10T14:30:00.122Z", "sa2023-05-10T14:30:00.122Z" })
            (await _store.FindAsync($"Procedure?patient={p.Id}&date={E(value)}")).Should().Equal([precise.Id], value);
        (await _store.FindAsync($"Procedure?patient={p.Id}&date={E("2023-05-10T14:30:00.123Z")}")).Should().Equal(precise.Id);
    }

    [Fact]
    public async Task Procedure_sorted_by_date_puts_those_without_a_date_last_both_ways()
    {
        var p = await _store.CreateAsync(Patient());
        var early = await _store.CreateAsync(Procedure(p.Id!, performed: "2020-01-01T00:00:00Z"));
        var none = await _store.CreateAsync(Procedure(p.Id!));
        var openStart = await _store.CreateAsync(Procedure(p.Id!, period: new Period { End = "2019-01-01" }));
        var openEnd = await _store.CreateAsync(Procedure(p.Id!, period: new Period { Start = "2021-01-01" }));
        (await _store.FindAsync($"Procedure?patient={p.Id}&_sort=date")).Should().Equal(openStart.Id, early.Id, openEnd.Id, none.Id);
        (await _store.FindAsync($"Procedure?patient={p.Id}&_sort=-date")).Should().Equal(openEnd.Id, early.Id, openStart.Id, none.Id);
    }
}
