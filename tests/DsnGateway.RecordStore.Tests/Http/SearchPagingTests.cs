using System.Threading.Channels;
using DsnGateway.Fhir.Model;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using DsnGateway.Fhir.Primitives;
using static DsnGateway.RecordStore.Tests.Http.SearchTestData;

namespace DsnGateway.RecordStore.Tests.Http;

public class SearchPagingTests : IClassFixture<RecordStoreFixture>
{
    private readonly RecordStoreFixture _store;

    public SearchPagingTests(RecordStoreFixture store) => _store = store;

    /// <summary>Follows next links from the first page; returns the pages' match ids.</summary>
    private async Task<List<List<string>>> PagesAsync(string firstUrl, Func<Task>? beforeEachPage = null)
    {
        var pages = new List<List<string>>();
        string? url = firstUrl;
        while (url is not null)
        {
            if (beforeEachPage is not null) await beforeEachPage();
            var bundle = await _store.SearchAsync(url);
            pages.Add(bundle.MatchIds());
            url = bundle.LinkUrl("next");
            pages.Count.Should().BeLessThan(1000, "paging must end");
        }
        return pages;
    }

    private async Task<List<Patient>> CreatePatientsAsync(string family, int count, Func<int, string?>? birthDate = null)
    {
        var made = new List<Patient>();
        for (var i = 0; i < count; i++) made.Add(await _store.CreateAsync(Patient(family: family, birthDate: birthDate?.Invoke(i))));
        return made;
    }

    [Fact]
    public async Task Next_links_walk_every_match_once_and_previous_links_walk_back()
    {
        var family = "Page" + Unique();
        var made = await CreatePatientsAsync(family, 17);

        var first = await _store.SearchAsync($"Patient?family={family}&_count=5");
        first.Total.Should().Be(17);
        first.LinkUrl("previous").Should().BeNull();
        first.LinkUrl("self").Should().NotBeNull();

        var pages = await PagesAsync($"Patient?family={family}&_count=5");
        pages.Select(p => p.Count).Should().Equal(5, 5, 5, 2);
        pages.SelectMany(p => p).Should().Equal(made.Select(p => p.Id), "default order is creation order");

        // From the last page, previous links give the same pages in reverse.
        var bundle = await _store.SearchAsync($"Patient?family={family}&_count=5");
        while (bundle.LinkUrl("next") is { } next) bundle = await _store.SearchAsync(next);
        bundle.LinkUrl("next").Should().BeNull();
        var back = new List<List<string>> { bundle.MatchIds() };
        while (bundle.LinkUrl("previous") is { } previous)
        {
            bundle = await _store.SearchAsync(previous);
            back.Add(bundle.MatchIds());
            back.Count.Should().BeLessThan(10);
        }
        back.Reverse();
        back.Should().BeEquivalentTo(pages, o => o.WithStrictOrdering());
        bundle.LinkUrl("next").Should().NotBeNull("the first page reached backwards still links forward");
    }

    [Fact]
    public async Task Paging_links_keep_the_criteria_and_total()
    {
        var family = "Links" + Unique();
        await CreatePatientsAsync(family, 3);
        var first = await _store.SearchAsync($"Patient?family={family}&_count=2");
        var next = first.LinkUrl("next")!;
        next.Should().Contain($"family={family}").And.Contain("_count=2").And.Contain("_cursor=");
        var second = await _store.SearchAsync(next);
        second.Total.Should().Be(3);
        second.MatchIds().Should().HaveCount(1);
    }

    [Theory]
    [InlineData("birthdate", false)]
    [InlineData("-birthdate", true)]
    public async Task Sort_by_birthdate_is_stable_across_pages(string sort, bool descending)
    {
        var family = "Sort" + Unique();
        string?[] dates = ["1990-05-01", "1970-01-01", null, "1990-05-01", "2001-02-03", "1985", "1970-01-01", "1990-05-01", null, "1969-12-31", "1985-07-01"];
        var made = await CreatePatientsAsync(family, dates.Length, i => dates[i]);
        var indexed = made.Select((p, i) => (p.Id, Low: dates[i] is { } d ? PartialDateTime.Parse(d).Start : (DateTimeOffset?)null,
            High: dates[i] is { } e ? PartialDateTime.Parse(e).End : (DateTimeOffset?)null, Index: i)).ToList();
        var withDate = indexed.Where(x => x.Low is not null);
        var expected = (descending
                ? withDate.OrderByDescending(x => x.High).ThenByDescending(x => x.Index)
                : withDate.OrderBy(x => x.Low).ThenBy(x => x.Index))
            .Concat(descending ? indexed.Where(x => x.Low is null).OrderByDescending(x => x.Index) : indexed.Where(x => x.Low is null).OrderBy(x => x.Index))
            .Select(x => x.Id).ToList();

        var pages = await PagesAsync($"Patient?family={family}&_sort={sort}&_count=3");
        pages.SelectMany(p => p).Should().Equal(expected);
        pages.Count.Should().Be(4);
    }

    [Theory]
    [InlineData("_lastUpdated", false)]
    [InlineData("-_lastUpdated", true)]
    public async Task Sort_by_last_updated_follows_updates(string sort, bool descending)
    {
        var family = "SortUpd" + Unique();
        var made = await CreatePatientsAsync(family, 7);
        made[1] = await _store.UpdateAsync(made[1]);
        made[4] = await _store.UpdateAsync(made[4]);
        var byTime = made.Select((p, i) => (p.Id, At: p.Meta!.LastUpdated!.Value, Index: i)).ToList();
        var expected = (descending ? byTime.OrderByDescending(x => x.At).ThenByDescending(x => x.Index) : byTime.OrderBy(x => x.At).ThenBy(x => x.Index))
            .Select(x => x.Id).ToList();

        var pages = await PagesAsync($"Patient?family={family}&_sort={sort}&_count=2");
        pages.SelectMany(p => p).Should().Equal(expected);
    }

    [Fact]
    public async Task Count_zero_gives_the_total_only()
    {
        var family = "Zero" + Unique();
        await CreatePatientsAsync(family, 2);
        var bundle = await _store.SearchAsync($"Patient?family={family}&_count=0");
        bundle.Total.Should().Be(2);
        (bundle.Entry ?? []).Should().BeEmpty();
    }

    [Fact]
    public async Task Paging_under_concurrent_creates_and_updates_returns_each_original_once()
    {
        const int n = 30;
        var family = "Busy" + Unique();
        var originals = await CreatePatientsAsync(family, n);
        var progress = Channel.CreateUnbounded<int>();
        using var stop = new CancellationTokenSource();

        var writer = Task.Run(async () =>
        {
            var made = 0;
            try
            {
                // Bounded, so the search (which sees the new matches too) has an end.
                for (var i = 0; i < 4 * n && !stop.IsCancellationRequested; i++)
                {
                    await _store.CreateAsync(Patient(family: family));
                    made++;
                    var target = originals[i % n];
                    var current = await _store.SearchAsync($"Patient?_id={target.Id}");
                    var patient = (Patient)current.Entry![0].Resource!;
                    patient.Name[0].Given = [.. patient.Name[0].Given, "G" + i];
                    await _store.UpdateAsync(patient);
                    progress.Writer.TryWrite(i);
                }
            }
            finally
            {
                progress.Writer.TryComplete();
            }
            return made;
        });

        List<List<string>> pages;
        try
        {
            // Each page is read after at least one more create and update have committed.
            pages = await PagesAsync($"Patient?family={family}&_count=7", async () =>
            {
                if (await progress.Reader.WaitToReadAsync()) progress.Reader.TryRead(out _);
            });
        }
        finally
        {
            await stop.CancelAsync();
        }
        var created = await writer;

        var all = pages.SelectMany(p => p).ToList();
        all.Should().OnlyHaveUniqueItems();
        foreach (var original in originals)
            all.Count(id => id == original.Id).Should().Be(1, $"original {original.Id} appears once");
        all.Take(n).Should().Equal(originals.Select(p => p.Id), "originals come first, in creation order, however often updated");
        created.Should().BeGreaterThan(0);
        pages.Should().HaveCountGreaterThan(n / 7);
    }
}
