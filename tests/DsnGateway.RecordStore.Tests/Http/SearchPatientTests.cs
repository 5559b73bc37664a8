using DsnGateway.Fhir.Model;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using DsnGateway.Fhir.Primitives;
using static DsnGateway.RecordStore.Tests.Http.SearchTestData;

namespace DsnGateway.RecordStore.Tests.Http;

public class SearchPatientTests : IClassFixture<RecordStoreFixture>
{
    private readonly RecordStoreFixture _store;

    public SearchPatientTests(RecordStoreFixture store) => _store = store;

    [Fact]
    public async Task By_id_and_not_id()
    {
        var tag = Unique();
        var a = await _store.CreateAsync(Patient(tags: [new Coding { System = "urn:test", Code = tag }]));
        var b = await _store.CreateAsync(Patient(tags: [new Coding { System = "urn:test", Code = tag }]));
        (await _store.FindAsync($"Patient?_id={a.Id}")).Should().Equal(a.Id);
        (await _store.FindAsync($"Patient?_id={a.Id},{b.Id}")).Should().BeEquivalentTo([a.Id, b.Id]);
        (await _store.FindAsync($"Patient?_id=nothing-{Unique()}")).Should().BeEmpty();
        (await _store.FindAsync($"Patient?_tag=urn:test|{tag}&_id:not={a.Id}")).Should().Equal(b.Id);
    }

    [Fact]
    public async Task By_identifier_in_every_token_form()
    {
        var value = Unique();
        var system = "urn:dsn:mrn:" + Unique();
        var withSystem = await _store.CreateAsync(Patient(identifiers: [new Identifier { System = system, Value = value }]));
        var withoutSystem = await _store.CreateAsync(Patient(identifiers: [new Identifier { Value = value }]));
        var otherSystem = await _store.CreateAsync(Patient(identifiers: [new Identifier { System = Mrn, Value = value }]));
        var sameSystemOtherValue = await _store.CreateAsync(Patient(identifiers: [new Identifier { System = system, Value = Unique() }]));

        (await _store.FindAsync($"Patient?identifier={E(system)}|{value}")).Should().Equal(withSystem.Id);
        (await _store.FindAsync($"Patient?identifier={value}")).Should().BeEquivalentTo([withSystem.Id, withoutSystem.Id, otherSystem.Id]);
        (await _store.FindAsync($"Patient?identifier=|{value}")).Should().Equal(withoutSystem.Id);
        (await _store.FindAsync($"Patient?identifier={E(system)}|")).Should().BeEquivalentTo([withSystem.Id, sameSystemOtherValue.Id]);
        (await _store.FindAsync($"Patient?identifier={E(system)}|{value},|{value}")).Should().BeEquivalentTo([withSystem.Id, withoutSystem.Id]);
        (await _store.FindAsync($"Patient?identifier={E(system)}|{value.ToUpperInvariant()}")).Should().BeEmpty("token codes are case-sensitive");
    }

    [Fact]
    public async Task Identifier_with_escaped_separators()
    {
        var value = "a|b,c" + Unique();
        var p = await _store.CreateAsync(Patient(identifiers: [new Identifier { System = Mrn, Value = value }]));
        var escaped = value.Replace("|", "\\|").Replace(",", "\\,");
        (await _store.FindAsync($"Patient?identifier={E(Mrn)}|{E(escaped)}")).Should().Equal(p.Id);
    }

    [Fact]
    public async Task Names_are_prefix_case_and_accent_insensitive()
    {
        var suffix = Unique();
        var p = await _store.CreateAsync(Patient(family: "Bélanger" + suffix, given: ["Éloïse" + suffix, "Marie"]));
        var other = await _store.CreateAsync(Patient(family: "Belanger" + suffix, given: ["Eloise" + suffix]));

        (await _store.FindAsync($"Patient?family=belanger{suffix}")).Should().BeEquivalentTo([p.Id, other.Id]);
        (await _store.FindAsync($"Patient?family=BELANGER{suffix}")).Should().BeEquivalentTo([p.Id, other.Id]);
        (await _store.FindAsync($"Patient?family=B%C3%A9langer{suffix[..10]}")).Should().BeEquivalentTo([p.Id, other.Id], "a prefix matches");
        (await _store.FindAsync($"Patient?given=eloise{suffix}")).Should().BeEquivalentTo([p.Id, other.Id]);
        (await _store.FindAsync($"Patient?name=eloise{suffix}")).Should().BeEquivalentTo([p.Id, other.Id]);
        (await _store.FindAsync($"Patient?name=belanger{suffix}")).Should().BeEquivalentTo([p.Id, other.Id]);
        (await _store.FindAsync($"Patient?family=anger{suffix}")).Should().BeEmpty("plain string search matches from the start only");
        (await _store.FindAsync($"Patient?family=belanger{suffix}&given=marie")).Should().Equal(p.Id);
    }

    [Fact]
    public async Task Exact_is_exact_and_case_sensitive()
    {
        var suffix = Unique();
        var p = await _store.CreateAsync(Patient(family: "Bélanger" + suffix));
        await _store.CreateAsync(Patient(family: "Belanger" + suffix));
        await _store.CreateAsync(Patient(family: "Bélanger" + suffix + "x"));

        (await _store.FindAsync($"Patient?family:exact={E("Bélanger" + suffix)}")).Should().Equal(p.Id);
        (await _store.FindAsync($"Patient?family:exact={E("bélanger" + suffix)}")).Should().BeEmpty();
        (await _store.FindAsync($"Patient?family:exact={E("Bélanger" + suffix[..5])}")).Should().BeEmpty();
    }

    [Fact]
    public async Task Contains_finds_a_middle_substring()
    {
        var middle = Unique()[..12];
        var p = await _store.CreateAsync(Patient(family: "Xy" + middle + "Élan"));
        var q = await _store.CreateAsync(Patient(given: ["Ab" + middle.ToUpperInvariant() + "z"]));
        (await _store.FindAsync($"Patient?family:contains={middle}ela")).Should().Equal(p.Id);
        (await _store.FindAsync($"Patient?name:contains={middle}")).Should().BeEquivalentTo([p.Id, q.Id]);
        (await _store.FindAsync($"Patient?given:contains={middle}Z")).Should().Equal(q.Id);
    }

    [Fact]
    public async Task Like_wildcards_in_values_are_literal()
    {
        var suffix = Unique();
        var p = await _store.CreateAsync(Patient(family: "A_b%" + suffix));
        await _store.CreateAsync(Patient(family: "Axbx" + suffix));
        (await _store.FindAsync($"Patient?family={E("a_b%" + suffix)}")).Should().Equal(p.Id);
        (await _store.FindAsync($"Patient?family:contains={E("_b%" + suffix)}")).Should().Equal(p.Id);
    }

    public static TheoryData<string, bool> BirthDateCases() => new()
    {
        // Patient born 1985-06-15
        { "1985", true },
        { "1985-06", true },
        { "1985-06-15", true },
        { "1985-06-16", false },
        { "1986", false },
        { "eq1985-06", true },
        { "ne1985-06-15", false },
        { "ne1985-06-16", true },
        { "ne1985", false },
        { "ge1985-06-01", true },
        { "ge1985-06-15", true },
        { "ge1985-06-16", false },
        { "gt1985-06-14", true },
        { "gt1985-06-15", false },
        { "gt1985-06", false },
        { "le1985-06-15", true },
        { "le1985-06-14", false },
        { "lt1985-06-16", true },
        { "lt1985-06-15", false },
        { "lt1985", false },
        { "sa1985-06-14", true },
        { "sa1985-06-15", false },
        { "sa1984", true },
        { "eb1985-06-16", true },
        { "eb1985-06-15", false },
        { "eb1986", true },
        { "ge1985-06-15T12:00:00Z", true },
        { "lt1985-06-15T12:00:00Z", true },
        { "gt1985-06-15T23:59:59Z", false },
        { "eq1985-06-15T12:00:00Z", false },
    };

    [Theory]
    [MemberData(nameof(BirthDateCases))]
    public async Task Birthdate_prefixes_and_precisions(string value, bool matches)
    {
        var family = "Birth" + Unique();
        var p = await _store.CreateAsync(Patient(family: family, birthDate: "1985-06-15"));
        var found = await _store.FindAsync($"Patient?family={family}&birthdate={E(value)}");
        if (matches) found.Should().Equal(p.Id);
        else found.Should().BeEmpty();
    }

    [Fact]
    public async Task Birthdate_of_year_precision_is_a_range()
    {
        var family = "Year" + Unique();
        var p = await _store.CreateAsync(Patient(family: family, birthDate: "1985"));
        (await _store.FindAsync($"Patient?family={family}&birthdate=1985")).Should().Equal(p.Id);
        (await _store.FindAsync($"Patient?family={family}&birthdate=1985-06")).Should().BeEmpty("1985 is not within June 1985");
        (await _store.FindAsync($"Patient?family={family}&birthdate=ge1985-06")).Should().Equal(p.Id);
        (await _store.FindAsync($"Patient?family={family}&birthdate=le1985-06")).Should().Equal(p.Id);
        (await _store.FindAsync($"Patient?family={family}&birthdate=ne1985-06")).Should().Equal(p.Id);
        (await _store.FindAsync($"Patient?family={family}&birthdate=sa1984-12-31")).Should().Equal(p.Id);
        (await _store.FindAsync($"Patient?family={family}&birthdate=sa1985-01-01")).Should().BeEmpty();
    }

    [Fact]
    public async Task Birthdate_alternatives_and_ranges()
    {
        var family = "Range" + Unique();
        var a = await _store.CreateAsync(Patient(family: family, birthDate: "1970-01-01"));
        var b = await _store.CreateAsync(Patient(family: family, birthDate: "1985-06-15"));
        var c = await _store.CreateAsync(Patient(family: family, birthDate: "2001-12-31"));
        await _store.CreateAsync(Patient(family: family));
        (await _store.FindAsync($"Patient?family={family}&birthdate=1970,2001")).Should().BeEquivalentTo([a.Id, c.Id]);
        (await _store.FindAsync($"Patient?family={family}&birthdate=ge1980&birthdate=lt2000")).Should().Equal(b.Id);
    }

    [Fact]
    public async Task By_gender()
    {
        var family = "Gender" + Unique();
        var f = await _store.CreateAsync(Patient(family: family, gender: "female"));
        var m = await _store.CreateAsync(Patient(family: family, gender: "male"));
        var none = await _store.CreateAsync(Patient(family: family));
        (await _store.FindAsync($"Patient?family={family}&gender=female")).Should().Equal(f.Id);
        (await _store.FindAsync($"Patient?family={family}&gender=http://hl7.org/fhir/administrative-gender|male")).Should().Equal(m.Id);
        (await _store.FindAsync($"Patient?family={family}&gender=female,male")).Should().BeEquivalentTo([f.Id, m.Id]);
        (await _store.FindAsync($"Patient?family={family}&gender:not=male")).Should().BeEquivalentTo([f.Id, none.Id]);
    }

    [Fact]
    public async Task By_last_updated()
    {
        var family = "Updated" + Unique();
        // One millisecond back: the stored instant has millisecond precision and may fall in the same millisecond.
        var before = PartialDateTime.FormatInstant(DateTimeOffset.UtcNow.AddMilliseconds(-1));
        var p = await _store.CreateAsync(Patient(family: family));
        (await _store.FindAsync($"Patient?family={family}&_lastUpdated=gt{E(before)}")).Should().Equal(p.Id);
        (await _store.FindAsync($"Patient?family={family}&_lastUpdated=ge{E(before)}")).Should().Equal(p.Id);
        (await _store.FindAsync($"Patient?family={family}&_lastUpdated=lt{E(before)}")).Should().BeEmpty();
        (await _store.FindAsync($"Patient?family={family}&_lastUpdated={E((string)p.Meta!.LastUpdatedElement!.JsonValue!)}")).Should().Equal(p.Id);
        var after = PartialDateTime.FormatInstant(p.Meta.LastUpdated!.Value.AddMilliseconds(1));
        (await _store.FindAsync($"Patient?family={family}&_lastUpdated=gt{E(after)}")).Should().BeEmpty();
        (await _store.FindAsync($"Patient?family={family}&_lastUpdated=lt{E(after)}")).Should().Equal(p.Id);
    }

    [Fact]
    public async Task Updated_values_replace_the_old_ones_in_the_index()
    {
        var oldFamily = "Old" + Unique();
        var newFamily = "New" + Unique();
        var p = await _store.CreateAsync(Patient(family: oldFamily, birthDate: "1990-01-01"));
        p.Name = [new HumanName { Family = newFamily }];
        p.BirthDate = "1991-01-01";
        await _store.UpdateAsync(p);
        (await _store.FindAsync($"Patient?family={oldFamily}")).Should().BeEmpty();
        (await _store.FindAsync($"Patient?family={newFamily}&birthdate=1991")).Should().Equal(p.Id);
    }
}
