using DsnGateway.SmartScopes;

namespace DsnGateway.Tests.SmartScopes;

/// <summary>Evaluate: which context grants, on which scopes, and which search parameters must confine the query.</summary>
public class SmartScopeEvaluateTests
{
    private static readonly SmartContext[] Clinician = [SmartContext.User, SmartContext.Patient];

    private static KeyValuePair<string, string> P(string name, string value) => new(name, value);

    private static ScopeDecision Search(string claim, params KeyValuePair<string, string>[] query) =>
        SmartScopeSet.Parse(claim).Evaluate(SmartContext.User, "Observation", SmartInteraction.Search, query);

    [Fact]
    public void An_unqualified_scope_allows_without_constraint()
    {
        var decision = Search("openid user/Observation.rs");

        decision.IsAllowed.Should().BeTrue();
        decision.IsConstrained.Should().BeFalse();
        decision.Context.Should().Be(SmartContext.User);
        decision.GrantingScopes.Select(s => s.Value).Should().Equal("user/Observation.rs");
        decision.ConstraintAlternatives.Should().BeEmpty();
    }

    [Fact]
    public void A_single_qualifier_becomes_the_constraint()
    {
        var decision = Search("user/Observation.rs?category=laboratory");

        decision.IsAllowed.Should().BeTrue();
        decision.IsConstrained.Should().BeTrue();
        decision.GrantingScopes.Select(s => s.Value).Should().Equal("user/Observation.rs?category=laboratory");
        decision.ConstraintAlternatives.Should().ContainSingle().Which.ShouldBePairs(P("category", "laboratory"));
    }

    [Fact]
    public void Several_parameters_of_one_scope_form_one_alternative()
    {
        var decision = Search("user/Observation.rs?category=laboratory&status=final");

        decision.ConstraintAlternatives.Should().ContainSingle()
            .Which.ShouldBePairs(P("category", "laboratory"), P("status", "final"));
    }

    [Fact]
    public void Url_encoded_qualifier_values_are_returned_decoded()
    {
        var decision = Search("user/Observation.rs?category=http%3A%2F%2Fterminology.hl7.org%2FCodeSystem%2Fobservation-category%7Claboratory");

        decision.ConstraintAlternatives.Should().ContainSingle()
            .Which.ShouldBePairs(P("category", "http://terminology.hl7.org/CodeSystem/observation-category|laboratory"));
    }

    [Fact]
    public void Two_qualified_scopes_are_alternatives()
    {
        var decision = Search("user/Observation.rs?category=laboratory user/Observation.rs?category=vital-signs&status=final");

        decision.IsConstrained.Should().BeTrue();
        decision.GrantingScopes.Should().HaveCount(2);
        decision.ConstraintAlternatives.Should().HaveCount(2);
        decision.ConstraintAlternatives[0].ShouldBePairs(P("category", "laboratory"));
        decision.ConstraintAlternatives[1].ShouldBePairs(P("category", "vital-signs"), P("status", "final"));
    }

    [Theory]
    [InlineData("user/Observation.rs?category=laboratory user/Observation.rs")]
    [InlineData("user/Observation.rs user/Observation.rs?category=laboratory")]
    [InlineData("user/Observation.rs?category=laboratory user/*.read")]
    [InlineData("user/Observation.rs?category=laboratory user/Observation.s")]
    public void Qualified_plus_unqualified_is_unconstrained(string claim)
    {
        var decision = Search(claim);

        decision.IsAllowed.Should().BeTrue();
        decision.IsConstrained.Should().BeFalse();
        decision.ConstraintAlternatives.Should().BeEmpty();
        decision.GrantingScopes.Should().OnlyContain(s => !s.HasQualifiers);
    }

    [Fact]
    public void A_qualified_scope_without_the_letter_does_not_count()
    {
        var decision = Search("user/Observation.r?category=laboratory user/Observation.s?category=vital-signs");

        decision.ConstraintAlternatives.Should().ContainSingle().Which.ShouldBePairs(P("category", "vital-signs"));
        decision.GrantingScopes.Select(s => s.Value).Should().Equal("user/Observation.s?category=vital-signs");
    }

    [Fact]
    public void A_query_already_carrying_the_qualifier_needs_no_constraint()
    {
        var decision = Search("user/Observation.rs?category=laboratory", P("patient", "123"), P("category", "laboratory"));

        decision.IsAllowed.Should().BeTrue();
        decision.IsConstrained.Should().BeFalse();
        decision.GrantingScopes.Select(s => s.Value).Should().Equal("user/Observation.rs?category=laboratory");
    }

    [Fact]
    public void Only_the_parameters_the_query_lacks_are_added()
    {
        var decision = Search("user/Observation.rs?category=laboratory&status=final", P("status", "final"));

        decision.ConstraintAlternatives.Should().ContainSingle().Which.ShouldBePairs(P("category", "laboratory"));
    }

    [Theory]
    [InlineData("category", "vital-signs")]      // other value
    [InlineData("category", "laboratory,exam")]  // an OR list is wider than the scope
    [InlineData("category:not", "laboratory")]   // a modifier changes the meaning
    [InlineData("Category", "laboratory")]       // names are case-sensitive
    [InlineData("category", "Laboratory")]
    public void A_query_parameter_that_is_not_the_same_does_not_satisfy_the_qualifier(string name, string value)
    {
        var decision = Search("user/Observation.rs?category=laboratory", P(name, value));

        decision.IsConstrained.Should().BeTrue();
        decision.ConstraintAlternatives.Should().ContainSingle().Which.ShouldBePairs(P("category", "laboratory"));
    }

    [Fact]
    public void An_alternative_implied_by_a_weaker_one_is_dropped()
    {
        var decision = Search("user/Observation.rs?category=laboratory&status=final user/Observation.rs?category=laboratory");

        decision.ConstraintAlternatives.Should().ContainSingle().Which.ShouldBePairs(P("category", "laboratory"));
        decision.GrantingScopes.Should().HaveCount(2);
    }

    [Fact]
    public void Identical_alternatives_are_returned_once()
    {
        var decision = Search("user/Observation.rs?category=laboratory user/Observation.s?category=laboratory");

        decision.ConstraintAlternatives.Should().ContainSingle().Which.ShouldBePairs(P("category", "laboratory"));
    }

    [Fact]
    public void A_qualified_wildcard_scope_constrains_every_type()
    {
        var decision = SmartScopeSet.Parse("user/*.rs?_security=http://terminology.hl7.org/CodeSystem/v3-Confidentiality|N")
            .Evaluate(SmartContext.User, "Condition", SmartInteraction.Read);

        decision.IsConstrained.Should().BeTrue();
        decision.ConstraintAlternatives.Should().ContainSingle()
            .Which.ShouldBePairs(P("_security", "http://terminology.hl7.org/CodeSystem/v3-Confidentiality|N"));
    }

    [Fact]
    public void Qualifiers_are_returned_for_writes_too()
    {
        var decision = SmartScopeSet.Parse("user/Observation.cu?category=vital-signs")
            .Evaluate(SmartContext.User, "Observation", SmartInteraction.Create);

        decision.IsConstrained.Should().BeTrue();
        decision.ConstraintAlternatives.Should().ContainSingle().Which.ShouldBePairs(P("category", "vital-signs"));
    }

    [Theory]
    [InlineData("system/*.cruds", SmartContext.User)]
    [InlineData("system/Observation.rs", SmartContext.User)]
    [InlineData("system/Observation.rs", SmartContext.Patient)]
    [InlineData("user/*.cruds", SmartContext.System)]
    [InlineData("user/Observation.rs", SmartContext.Patient)]
    [InlineData("patient/*.cruds", SmartContext.System)]
    [InlineData("patient/Observation.rs", SmartContext.User)]
    public void Scopes_of_another_context_never_grant(string claim, SmartContext context)
    {
        var decision = SmartScopeSet.Parse(claim).Evaluate(context, "Observation", SmartInteraction.Search);

        decision.IsAllowed.Should().BeFalse();
        decision.Context.Should().BeNull();
        decision.GrantingScopes.Should().BeEmpty();
        decision.ConstraintAlternatives.Should().BeEmpty();
        decision.RequiredScope.Should().Be($"{context.ToScopePrefix()}/Observation.s");
    }

    [Theory]
    [InlineData("user/Observation.rs", SmartContext.User)]
    [InlineData("patient/Observation.rs", SmartContext.Patient)]
    [InlineData("user/Observation.rs patient/Observation.rs", SmartContext.User)]      // first acceptable context wins
    [InlineData("patient/Observation.rs user/Observation.rs", SmartContext.User)]      // token order does not matter
    [InlineData("user/Patient.rs patient/Observation.rs", SmartContext.Patient)]
    [InlineData("user/Observation.rs?category=laboratory patient/Observation.rs", SmartContext.Patient)] // unconstrained beats constrained
    [InlineData("user/Observation.rs?category=laboratory patient/Observation.rs?category=vital-signs", SmartContext.User)]
    public void The_granting_context_is_reported(string claim, SmartContext expected)
    {
        var decision = SmartScopeSet.Parse(claim).Evaluate(Clinician, "Observation", SmartInteraction.Search);

        decision.IsAllowed.Should().BeTrue();
        decision.Context.Should().Be(expected);
        decision.GrantingScopes.Should().OnlyContain(s => s.Context == expected);
    }

    [Fact]
    public void A_clinician_does_not_get_system_scopes()
    {
        var decision = SmartScopeSet.Parse("system/*.cruds").Evaluate(Clinician, "Observation", SmartInteraction.Read);

        decision.IsAllowed.Should().BeFalse();
        decision.RequiredScope.Should().Be("user/Observation.r");
    }

    [Fact]
    public void No_acceptable_context_denies()
    {
        var decision = SmartScopeSet.Parse("user/*.cruds").Evaluate([], "Observation", SmartInteraction.Read);

        decision.IsAllowed.Should().BeFalse();
        decision.RequiredScope.Should().BeEmpty();
    }

    [Theory]
    [InlineData("")]
    [InlineData("observation")]
    [InlineData("Observation/1")]
    [InlineData("Observation?category=x")]
    [InlineData("_history")]
    public void A_malformed_resource_type_is_denied_without_throwing(string resourceType)
    {
        var decision = SmartScopeSet.Parse("user/*.cruds").Evaluate(Clinician, resourceType, SmartInteraction.Read);

        decision.IsAllowed.Should().BeFalse();
    }

    [Fact]
    public void An_empty_set_denies_everything()
    {
        foreach (var context in Enum.GetValues<SmartContext>())
        {
            foreach (var interaction in Enum.GetValues<SmartInteraction>())
            {
                SmartScopeSet.Empty.Evaluate(context, "Patient", interaction).IsAllowed.Should().BeFalse();
            }
        }
    }

    [Fact]
    public void Evaluate_rejects_null_arguments()
    {
        var set = SmartScopeSet.Parse("user/*.rs");

        var nullType = () => set.Evaluate(SmartContext.User, null!, SmartInteraction.Read);
        var nullContexts = () => set.Evaluate((IReadOnlyList<SmartContext>)null!, "Patient", SmartInteraction.Read);

        nullType.Should().Throw<ArgumentNullException>();
        nullContexts.Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public void An_undefined_interaction_is_rejected()
    {
        var evaluate = () => SmartScopeSet.Parse("user/*.rs").Evaluate(SmartContext.User, "Patient", (SmartInteraction)'x');
        evaluate.Should().Throw<ArgumentOutOfRangeException>();
    }
}
