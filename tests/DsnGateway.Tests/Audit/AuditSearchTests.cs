using DsnGateway.Audit;
using DsnGateway.Fhir.Outcomes;

namespace DsnGateway.Tests.Audit;

/// <summary>What privacy officers search on: patient, agent, date, outcome, flags; and keyset paging.</summary>
public class AuditSearchTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Day1 = new(2025, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Day2 = new(2025, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Day3 = new(2025, 3, 3, 9, 0, 0, TimeSpan.Zero);

    private AuditStoreFixture _audit = null!;
    private AuditSearch _search = null!;

    public async Task InitializeAsync()
    {
        _audit = await AuditStoreFixture.StartAsync();
        _search = new AuditSearch(_audit.Store);
        var alice = AuditTestData.Clinician("alice");
        var bob = AuditTestData.Clinician("bob", "MCQ");
        // seq 1..6
        await RecordAsync(AuditTestData.Read("p1", at: Day1, agent: alice));
        await RecordAsync(AuditTestData.Read("p2", at: Day1, agent: bob));
        await RecordAsync(AuditTestData.Read("p1", status: 403, at: Day2, agent: bob));
        await RecordAsync(AuditTestData.Search("p1", "p3") with { Recorded = Day2, Agent = alice });
        await RecordAsync(AuditTestData.Read("p3", status: 500, at: Day3, agent: alice));
        await RecordAsync(AuditTestData.Read("p2", at: Day3, agent: alice) with { BreakGlassReason = "emergency" });
    }

    public async Task DisposeAsync() => await _audit.DisposeAsync();

    private Task RecordAsync(AuditRecord record) => _audit.Writer.RecordAsync(record, CancellationToken.None);

    private async Task<long[]> SeqsAsync(params (string Name, string Value)[] parameters)
    {
        var page = await _search.SearchAsync(Query(parameters), CancellationToken.None);
        page.Total.Should().Be(page.Matches.Count, "these result sets fit on one page");
        return page.Matches.Select(m => m.Seq).ToArray();
    }

    private static AuditSearchQuery Query(params (string Name, string Value)[] parameters) =>
        AuditSearchQuery.Parse(parameters.Select(p => KeyValuePair.Create(p.Name, p.Value)));

    [Fact]
    public async Task By_patient_finds_every_event_naming_the_patient_newest_first_searches_included()
    {
        (await SeqsAsync(("patient", "Patient/p1"))).Should().Equal(4, 3, 1);
        (await SeqsAsync(("patient", "p3"))).Should().Equal(5, 4);
        (await SeqsAsync(("patient", "p2,p3"))).Should().Equal(6, 5, 4, 2);
    }

    [Fact]
    public async Task By_agent_finds_the_subject_events()
    {
        (await SeqsAsync(("agent", "bob"))).Should().Equal(3, 2);
        (await SeqsAsync(("agent", "alice"), ("patient", "p1"))).Should().Equal(4, 1);
    }

    [Fact]
    public async Task By_date_with_prefixes_at_the_precision_given()
    {
        (await SeqsAsync(("date", "2025-03-02"))).Should().Equal(4, 3);
        (await SeqsAsync(("date", "ge2025-03-02"))).Should().Equal(6, 5, 4, 3);
        (await SeqsAsync(("date", "gt2025-03-02"))).Should().Equal(6, 5);
        (await SeqsAsync(("date", "lt2025-03-02"))).Should().Equal(2, 1);
        (await SeqsAsync(("date", "le2025-03-02"))).Should().Equal(4, 3, 2, 1);
        (await SeqsAsync(("date", "ge2025-03-01T10:00:00Z"), ("date", "lt2025-03-03"))).Should().Equal(4, 3);
        (await SeqsAsync(("date", "2025-03"))).Should().HaveCount(6);
    }

    [Fact]
    public async Task By_outcome_and_by_flag()
    {
        (await SeqsAsync(("outcome", "4"))).Should().Equal(3);
        (await SeqsAsync(("outcome", "4,8"))).Should().Equal(5, 3);
        (await SeqsAsync(("outcome", "0"))).Should().Equal(6, 4, 2, 1);
        (await SeqsAsync(("_tag", "urn:dsn:audit|flagged"))).Should().Equal(6, 3); // the break-the-glass read and the 403
    }

    [Theory]
    [InlineData("subject", "x")]
    [InlineData("date", "yesterday")]
    [InlineData("date", "sa2025-01-01")]
    [InlineData("outcome", "2")]
    [InlineData("_count", "-1")]
    [InlineData("_cursor", "zz")]
    public void Unknown_parameters_and_unreadable_values_are_refused(string name, string value)
    {
        var parse = () => Query((name, value));
        parse.Should().Throw<FhirOperationException>().Which.StatusCode.Should().Be(400);
    }

    [Fact]
    public async Task Paging_over_three_pages_sees_every_match_once_and_comes_back_the_same_way()
    {
        for (var i = 0; i < 6; i++) await RecordAsync(AuditTestData.Read("p1", at: Day3, agent: AuditTestData.Clinician("alice")));
        // Patient/p1 now: seq 1, 3, 4 and 7..12 = 9 events, 4 per page.
        var seen = new List<long>();
        var pages = new List<AuditSearchPage>();
        AuditPageCursor? cursor = null;
        do
        {
            var query = Query(("patient", "p1"), ("_count", "4")) with { Cursor = cursor };
            var page = await _search.SearchAsync(query, CancellationToken.None);
            page.Total.Should().Be(9);
            pages.Add(page);
            seen.AddRange(page.Matches.Select(m => m.Seq));
            cursor = page.Next;
        } while (cursor is not null);

        pages.Should().HaveCount(3);
        pages.Select(p => p.Matches.Count).Should().Equal(4, 4, 1);
        seen.Should().OnlyHaveUniqueItems().And.Equal(12, 11, 10, 9, 8, 7, 4, 3, 1);
        pages[0].Previous.Should().BeNull();
        pages[2].Next.Should().BeNull();

        var back = await _search.SearchAsync(Query(("patient", "p1"), ("_count", "4")) with { Cursor = pages[2].Previous }, CancellationToken.None);
        back.Matches.Select(m => m.Seq).Should().Equal(8, 7, 4, 3);
        back.Next.Should().NotBeNull();
        back.Previous.Should().NotBeNull();
    }
}
