using DsnGateway.SmartScopes;

namespace DsnGateway.Tests.SmartScopes;

/// <summary>A token's whole scope claim: splitting, invalid entries, duplicates, scp arrays.</summary>
public class SmartScopeSetParsingTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("   \t \n ")]
    public void Absent_or_blank_claim_gives_an_empty_set(string? claim)
    {
        var set = SmartScopeSet.Parse(claim);

        set.Scopes.Should().BeEmpty();
        set.ResourceScopes.Should().BeEmpty();
        set.InvalidScopes.Should().BeEmpty();
        set.Permits(SmartContext.User, "Patient", SmartInteraction.Read).Should().BeFalse();
    }

    [Fact]
    public void Null_array_gives_an_empty_set()
    {
        SmartScopeSet.Parse((IEnumerable<string>?)null).Scopes.Should().BeEmpty();
    }

    [Theory]
    [InlineData("openid fhirUser user/Patient.rs user/Observation.rs")]
    [InlineData("  openid   fhirUser user/Patient.rs\tuser/Observation.rs  ")]
    [InlineData("openid\nfhirUser\r\nuser/Patient.rs user/Observation.rs")]
    public void Scopes_are_split_on_any_run_of_whitespace(string claim)
    {
        var set = SmartScopeSet.Parse(claim);

        set.Scopes.Select(s => s.Value).Should().Equal("openid", "fhirUser", "user/Patient.rs", "user/Observation.rs");
        set.ResourceScopes.Select(s => s.Value).Should().Equal("user/Patient.rs", "user/Observation.rs");
        set.InvalidScopes.Should().BeEmpty();
    }

    [Fact]
    public void Invalid_scopes_are_recorded_in_order_and_the_valid_ones_still_work()
    {
        var set = SmartScopeSet.Parse("user/Patient.rx openid user/Patient.sr user/.rs bogus/Patient.rs user/Observation.rs email");

        set.InvalidScopes.Should().Equal("user/Patient.rx", "user/Patient.sr", "user/.rs", "bogus/Patient.rs", "email");
        set.Scopes.Select(s => s.Value).Should().Equal("openid", "user/Observation.rs");
        set.Permits(SmartContext.User, "Observation", SmartInteraction.Read).Should().BeTrue();
        set.Permits(SmartContext.User, "Patient", SmartInteraction.Read).Should().BeFalse();
        set.Permits(SmartContext.User, "Patient", SmartInteraction.Search).Should().BeFalse();
    }

    [Fact]
    public void Duplicates_are_kept_once()
    {
        var set = SmartScopeSet.Parse("user/Patient.rs user/Patient.rs bad bad openid openid");

        set.Scopes.Select(s => s.Value).Should().Equal("user/Patient.rs", "openid");
        set.InvalidScopes.Should().Equal("bad");
    }

    [Fact]
    public void Scp_array_is_accepted_and_elements_holding_several_scopes_are_split()
    {
        var set = SmartScopeSet.Parse(new[] { "openid", "user/Patient.rs", "user/Observation.rs user/Encounter.read", "  ", "user/Patient.sr" });

        set.Scopes.Select(s => s.Value).Should().Equal("openid", "user/Patient.rs", "user/Observation.rs", "user/Encounter.read");
        set.InvalidScopes.Should().Equal("user/Patient.sr");
    }

    [Fact]
    public void Null_elements_of_an_scp_array_are_skipped()
    {
        var set = SmartScopeSet.Parse(new string?[] { null, "user/Patient.r", null });

        set.Scopes.Select(s => s.Value).Should().Equal("user/Patient.r");
        set.InvalidScopes.Should().BeEmpty();
    }

    [Theory]
    [InlineData("user/Patient.rs patient/Observation.read", SmartContext.User, true)]
    [InlineData("user/Patient.rs patient/Observation.read", SmartContext.Patient, true)]
    [InlineData("user/Patient.rs patient/Observation.read", SmartContext.System, false)]
    [InlineData("launch/patient openid", SmartContext.Patient, false)]
    [InlineData("patient/Patient.sr", SmartContext.Patient, false)]
    public void HasContext_reports_contexts_of_valid_resource_scopes_only(string claim, SmartContext context, bool expected)
    {
        SmartScopeSet.Parse(claim).HasContext(context).Should().Be(expected);
    }

    [Theory]
    [InlineData("openid launch/patient user/Patient.rs", "launch/patient", true)]
    [InlineData("openid launch/patient user/Patient.rs", "openid", true)]
    [InlineData("openid launch/patient user/Patient.rs", "user/Patient.rs", true)]
    [InlineData("openid launch/patient user/Patient.rs", "offline_access", false)]
    [InlineData("openid launch/patient user/Patient.sr", "user/Patient.sr", false)]
    public void Contains_matches_valid_scope_strings_exactly(string claim, string scope, bool expected)
    {
        SmartScopeSet.Parse(claim).Contains(scope).Should().Be(expected);
    }

    [Theory]
    [InlineData("////")]
    [InlineData("...")]
    [InlineData("????")]
    [InlineData("user/Patient.rs?%")]
    [InlineData("user/Patient.rs?a=%ZZ")]
    [InlineData("user/Patient.rs?a=%")]
    [InlineData("user/Patient.rs?&=&")]
    [InlineData("user/*.rs?=")]
    [InlineData("\u0000user/Patient.rs")]
    [InlineData("user/Patient.rs\u0000")]
    [InlineData("user/Pätient.rs")]
    [InlineData("user/Patient.rś")]
    [InlineData("😀/Patient.rs")]
    public void Hostile_claims_never_throw(string claim)
    {
        var parse = () => SmartScopeSet.Parse(claim);
        var set = parse.Should().NotThrow().Subject;

        foreach (var context in Enum.GetValues<SmartContext>())
        {
            var evaluate = () => set.Evaluate(context, "Patient", SmartInteraction.Read);
            evaluate.Should().NotThrow();
        }
    }

    [Fact]
    public void Malformed_percent_encoding_in_a_value_is_kept_literally()
    {
        var set = SmartScopeSet.Parse("user/Observation.rs?code=%ZZ");

        set.ResourceScopes.Should().ContainSingle().Which.Qualifiers.ShouldBePairs(new KeyValuePair<string, string>("code", "%ZZ"));
    }

    [Fact]
    public void ToString_lists_the_valid_scopes()
    {
        SmartScopeSet.Parse("openid  user/Patient.rs bad").ToString().Should().Be("openid user/Patient.rs");
    }
}
