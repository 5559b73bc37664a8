using DsnGateway.Fhir.Outcomes;
using DsnGateway.RecordStore.Search;

namespace DsnGateway.RecordStore.Tests.Search;

public class SearchQueryParserTests
{
    private readonly SearchQueryParser _parser = new(SearchParameterRegistry.Default);

    private SearchQuery Parse(string type, string query, bool lenient = false) =>
        _parser.Parse(type, Pairs(query), lenient);

    private static List<KeyValuePair<string, string>> Pairs(string query) =>
        query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => KeyValuePair.Create(Uri.UnescapeDataString(p[0]), p.Length > 1 ? Uri.UnescapeDataString(p[1]) : ""))
            .ToList();

    private void Rejects(string type, string query)
    {
        var act = () => Parse(type, query);
        act.Should().Throw<FhirOperationException>().Which.StatusCode.Should().Be(400);
    }

    private SearchValue Single(string type, string query)
    {
        var q = Parse(type, query);
        q.Criteria.Should().ContainSingle();
        q.Criteria[0].Values.Should().ContainSingle();
        return q.Criteria[0].Values[0];
    }

    [Theory]
    [InlineData("identifier=urn:dsn:mrn:nim|123", "urn:dsn:mrn:nim", "123")]
    [InlineData("identifier=|123", "", "123")]
    [InlineData("identifier=123", null, "123")]
    [InlineData("identifier=urn:dsn:mrn:nim|", "urn:dsn:mrn:nim", null)]
    [InlineData(@"identifier=a\|b|c\,d", "a|b", "c,d")]
    [InlineData(@"identifier=x\\y", null, @"x\y")]
    public void Token_forms(string query, string? system, string? code) =>
        Single("Patient", query).Should().Be(new TokenValue(system, code));

    [Fact]
    public void Token_with_neither_system_nor_code_is_rejected() => Rejects("Patient", "identifier=|");

    [Fact]
    public void Comma_separates_alternatives_and_escaped_comma_does_not()
    {
        var q = Parse("Patient", @"family=a,b\,c,d");
        q.Criteria.Should().ContainSingle();
        q.Criteria[0].Values.Should().Equal(new StringValue("a"), new StringValue("b,c"), new StringValue("d"));

        var tokens = Parse("Patient", "gender=male,female").Criteria[0].Values;
        tokens.Should().Equal(new TokenValue(null, "male"), new TokenValue(null, "female"));
    }

    [Fact]
    public void Repeated_parameters_are_separate_criteria_all_required()
    {
        var q = Parse("Patient", "birthdate=ge1980&birthdate=lt1990");
        q.Criteria.Should().HaveCount(2);
    }

    [Theory]
    [InlineData("1985", DatePrefix.Eq)]
    [InlineData("eq1985", DatePrefix.Eq)]
    [InlineData("ne1985-06", DatePrefix.Ne)]
    [InlineData("lt1985-06-15", DatePrefix.Lt)]
    [InlineData("le1985-06-15T10:00Z", DatePrefix.Le)]
    [InlineData("gt1985-06-15T10:00:00Z", DatePrefix.Gt)]
    [InlineData("ge1985-06-15T10:00:00.123+05:00", DatePrefix.Ge)]
    [InlineData("sa1985", DatePrefix.Sa)]
    [InlineData("eb1985", DatePrefix.Eb)]
    public void Date_prefixes(string value, DatePrefix prefix)
    {
        var date = Single("Patient", "birthdate=" + Uri.EscapeDataString(value)).Should().BeOfType<DateValue>().Subject;
        date.Prefix.Should().Be(prefix);
        date.Date.Text.Should().Be(char.IsLetter(value[0]) ? value[2..] : value);
    }

    [Theory]
    [InlineData("birthdate=xx1985")]
    [InlineData("birthdate=ap1985")]
    [InlineData("birthdate=1985-13")]
    [InlineData("birthdate=1985-02-30")]
    [InlineData("birthdate=ge")]
    [InlineData("birthdate=yesterday")]
    [InlineData("birthdate=1985-06-15T25:00Z")]
    [InlineData("_lastUpdated=gtnow")]
    public void Bad_prefix_or_date_is_400(string query) => Rejects("Patient", query);

    [Fact]
    public void String_modifiers()
    {
        Parse("Patient", "family:exact=Bélanger").Criteria[0].Modifier.Should().Be("exact");
        Parse("Patient", "name:contains=lan").Criteria[0].Modifier.Should().Be("contains");
        Parse("Patient", "given=Elo").Criteria[0].Modifier.Should().BeNull();
    }

    [Fact]
    public void Not_modifier_on_tokens_negates()
    {
        var c = Parse("Patient", "gender:not=male").Criteria[0];
        c.IsNegated.Should().BeTrue();
        c.Values.Should().Equal(new TokenValue(null, "male"));
        Parse("Patient", "_security:not=http://terminology.hl7.org/CodeSystem/v3-Confidentiality|R").Criteria[0].IsNegated.Should().BeTrue();
        Parse("Patient", "_tag:not=urn:x|y").Criteria[0].IsNegated.Should().BeTrue();
    }

    [Theory]
    [InlineData("Patient", "family:not=x")]
    [InlineData("Patient", "gender:exact=male")]
    [InlineData("Patient", "birthdate:exact=1985")]
    [InlineData("Patient", "gender:missing=true")]
    [InlineData("MedicationRequest", "subject:Practitioner=1")]
    [InlineData("MedicationRequest", "patient:Group=1")]
    public void Unsupported_modifiers_are_400(string type, string query) => Rejects(type, query);

    [Theory]
    [InlineData("patient=Patient/p1", "Patient", "p1")]
    [InlineData("patient=p1", null, "p1")]
    [InlineData("subject:Patient=p1", "Patient", "p1")]
    [InlineData("subject=http://example.org/fhir/Patient/p1", "Patient", "p1")]
    [InlineData("subject=Patient/p1/_history/2", "Patient", "p1")]
    public void Reference_values(string query, string? type, string id) =>
        Single("MedicationRequest", query).Should().Be(new ReferenceValue(type, id));

    [Fact]
    public void Bad_reference_is_400() => Rejects("MedicationRequest", "subject=patient/");

    [Fact]
    public void Chain_with_type_modifier()
    {
        var c = Parse("MedicationRequest", "subject:Patient.identifier=urn:dsn:mrn:nim|").Criteria.Single();
        c.Parameter.Name.Should().Be("subject");
        c.ChainTargetType.Should().Be("Patient");
        c.Chain!.Parameter.Name.Should().Be("identifier");
        c.Chain.Parameter.ResourceType.Should().Be("Patient");
        c.Chain.Values.Should().Equal(new TokenValue("urn:dsn:mrn:nim", null));
    }

    [Fact]
    public void Chain_through_a_single_target_parameter()
    {
        var c = Parse("Procedure", "patient.identifier=urn:dsn:mrn:nim|42").Criteria.Single();
        c.ChainTargetType.Should().Be("Patient");
        c.Chain!.Values.Should().Equal(new TokenValue("urn:dsn:mrn:nim", "42"));
    }

    [Fact]
    public void Chain_with_a_modifier_on_the_chained_parameter()
    {
        var c = Parse("MedicationRequest", "patient._security:not=http://terminology.hl7.org/CodeSystem/v3-Confidentiality|R").Criteria.Single();
        c.Chain!.Parameter.Name.Should().Be("_security");
        c.Chain.IsNegated.Should().BeTrue();
        c.Chain.Values.Should().Equal(new TokenValue("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "R"));
    }

    [Theory]
    [InlineData("subject.identifier=x")] // subject may be a Patient or a Group: the type must be named
    [InlineData("status.identifier=x")] // not a reference
    [InlineData("patient.unknown=x")]
    [InlineData("subject:Practitioner.identifier=x")]
    public void Bad_chains_are_400(string query) => Rejects("MedicationRequest", query);

    [Fact]
    public void Count_is_parsed_and_capped()
    {
        Parse("Patient", "_count=7").Options.Count.Should().Be(7);
        Parse("Patient", "_count=0").Options.Count.Should().Be(0);
        Parse("Patient", "_count=100000").Options.Count.Should().Be(SearchQueryParser.MaxCount);
        Parse("Patient", "").Options.Count.Should().Be(SearchQueryParser.DefaultCount);
        Rejects("Patient", "_count=-1");
        Rejects("Patient", "_count=ten");
    }

    [Fact]
    public void Sort_by_one_date_key_or_last_updated()
    {
        var s = Parse("Patient", "_sort=birthdate").Options.Sort!;
        s.Parameter.Name.Should().Be("birthdate");
        s.Descending.Should().BeFalse();
        Parse("Patient", "_sort=-birthdate").Options.Sort!.Descending.Should().BeTrue();
        Parse("Procedure", "_sort=-_lastUpdated").Options.Sort!.Parameter.Name.Should().Be("_lastUpdated");
        Parse("MedicationRequest", "_sort=authoredon").Options.Sort!.Parameter.Name.Should().Be("authoredon");
    }

    [Theory]
    [InlineData("_sort=family")]
    [InlineData("_sort=birthdate,family")]
    [InlineData("_sort=-")]
    [InlineData("_sort=")]
    [InlineData("_sort=nothing")]
    [InlineData("_sort=_id")]
    public void Other_sorts_are_400(string query) => Rejects("Patient", query);

    [Fact]
    public void Includes_are_validated()
    {
        var q = Parse("MedicationRequest", "_include=MedicationRequest:patient&_revinclude=Provenance:target");
        q.Options.Includes.Should().ContainSingle().Which.Parameter.Name.Should().Be("patient");
        q.Options.RevIncludes.Should().ContainSingle().Which.SourceType.Should().Be("Provenance");
        Parse("Patient", "_revinclude=Procedure:patient").Options.RevIncludes.Should().ContainSingle();
        Parse("MedicationRequest", "_include=MedicationRequest:subject:Patient").Options.Includes[0].TargetType.Should().Be("Patient");
    }

    [Theory]
    [InlineData("MedicationRequest", "_include=MedicationRequest")]
    [InlineData("MedicationRequest", "_include=MedicationRequest:status")]
    [InlineData("MedicationRequest", "_include=MedicationRequest:nothing")]
    [InlineData("MedicationRequest", "_include=Nothing:patient")]
    [InlineData("MedicationRequest", "_include=MedicationRequest:subject:Practitioner")]
    [InlineData("MedicationRequest", "_include=MedicationRequest:patient:Patient:x")]
    [InlineData("MedicationRequest", "_include=Procedure:patient")] // another type's parameter: would silently do nothing
    [InlineData("MedicationRequest", "_revinclude=Procedure:patient")] // Procedure.patient never points at a MedicationRequest
    [InlineData("Patient", "_revinclude=Procedure:status")]
    public void Bad_includes_are_400(string type, string query) => Rejects(type, query);

    [Fact]
    public void Summary_and_total()
    {
        Parse("Patient", "_summary=count").Options.Summary.Should().Be(SummaryMode.Count);
        Parse("Patient", "_summary=false").Options.Summary.Should().Be(SummaryMode.None);
        Parse("Patient", "_total=none").Options.Total.Should().Be(TotalMode.None);
        Parse("Patient", "_total=accurate").Options.Total.Should().Be(TotalMode.Accurate);
        Parse("Patient", "").Options.Total.Should().Be(TotalMode.Accurate);
        Rejects("Patient", "_summary=true");
        Rejects("Patient", "_total=some");
    }

    [Fact]
    public void Cursor_round_trips_and_garbage_is_400()
    {
        var cursor = new PageCursor(false, 0, 42);
        Parse("Patient", "_cursor=" + cursor.Encode()).Options.Cursor.Should().Be(cursor);
        var sorted = new PageCursor(true, -5, 7);
        Parse("Patient", "_sort=birthdate&_cursor=" + sorted.Encode()).Options.Cursor.Should().Be(sorted);
        Rejects("Patient", "_cursor=garbage!");
        Rejects("Patient", "_cursor=bjox");
        Rejects("Patient", "_cursor=" + Convert.ToBase64String("x:1:2"u8.ToArray()));
        Rejects("Patient", "_cursor=" + new PageCursor(false, 99, 1).Encode()); // a sorted search's cursor on an unsorted one
    }

    [Theory]
    [InlineData("Patient", "nothing=1")]
    [InlineData("Patient", "status=active")]
    [InlineData("MedicationRequest", "gender=male")]
    [InlineData("Patient", "family=")]
    public void Unknown_or_empty_parameters_are_400(string type, string query) => Rejects(type, query);

    [Fact]
    public void Format_parameters_are_not_criteria()
    {
        var q = Parse("Patient", "_format=json&_pretty=true&family=x");
        q.Criteria.Should().ContainSingle();
        q.IgnoredParameters.Should().BeEmpty();
    }

    [Fact]
    public void Lenient_ignores_and_lists_what_it_cannot_use()
    {
        var q = Parse("Patient", "nothing=1&family=smith&birthdate=xx1985&gender:exact=male", lenient: true);
        q.Criteria.Should().ContainSingle().Which.Parameter.Name.Should().Be("family");
        q.IgnoredParameters.Should().Equal("nothing", "birthdate", "gender:exact");
    }

    [Fact]
    public void Lenient_bad_count_keeps_the_default_count()
    {
        var q = Parse("Patient", "_count=ten", lenient: true);
        q.IgnoredParameters.Should().Equal("_count");
        q.Options.Count.Should().Be(SearchQueryParser.DefaultCount);
    }
}
