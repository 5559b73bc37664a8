using DsnGateway.SmartScopes;

namespace DsnGateway.Tests.SmartScopes;

/// <summary>Permits: the full matrix of permission letters, interactions, contexts and resource types.</summary>
public class SmartScopePermitsTests
{
    private static readonly SmartInteraction[] Interactions = Enum.GetValues<SmartInteraction>();
    private static readonly SmartContext[] Contexts = Enum.GetValues<SmartContext>();

    /// <summary>A claim and the letters it grants on Observation in the user context.</summary>
    public static TheoryData<string, string> ClaimsAndGrantedLetters() => new()
    {
        { "user/Observation.c", "c" },
        { "user/Observation.r", "r" },
        { "user/Observation.u", "u" },
        { "user/Observation.d", "d" },
        { "user/Observation.s", "s" },
        { "user/Observation.rs", "rs" },
        { "user/Observation.cu", "cu" },
        { "user/Observation.cud", "cud" },
        { "user/Observation.cruds", "cruds" },
        { "user/Observation.read", "rs" },
        { "user/Observation.write", "cud" },
        { "user/Observation.*", "cruds" },
        { "user/*.rs", "rs" },
        { "user/*.read", "rs" },
        { "user/*.*", "cruds" },
        { "user/*.cruds", "cruds" },
        // mixed v1 and v2: the union
        { "user/Observation.read user/Observation.c", "crs" },
        { "user/Observation.write user/Observation.r", "crud" },
        { "user/Observation.r user/Observation.s", "rs" },
        { "user/*.read user/Observation.cu", "crus" },
        { "user/Patient.cruds user/Observation.r", "r" },
        // invalid and non-resource scopes add nothing
        { "user/Observation.sr user/Observation.rx user/Observation.c", "c" },
        { "openid fhirUser launch launch/patient offline_access online_access profile", "" },
        { "patient/Observation.cruds system/Observation.cruds", "" },
        { "user/Patient.cruds user/Encounter.cruds", "" },
        { "", "" },
    };

    [Theory]
    [MemberData(nameof(ClaimsAndGrantedLetters))]
    public void Each_interaction_is_permitted_exactly_when_a_scope_grants_its_letter(string claim, string letters)
    {
        var set = SmartScopeSet.Parse(claim);

        foreach (var interaction in Interactions)
        {
            set.Permits(SmartContext.User, "Observation", interaction)
                .Should().Be(letters.Contains((char)interaction), $"'{claim}' and '{(char)interaction}'");
        }
    }

    public static TheoryData<SmartContext, SmartContext> AllContextPairs()
    {
        var data = new TheoryData<SmartContext, SmartContext>();
        foreach (var scopeContext in Contexts)
        {
            foreach (var requestContext in Contexts)
            {
                data.Add(scopeContext, requestContext);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllContextPairs))]
    public void A_scope_grants_only_in_its_own_context(SmartContext scopeContext, SmartContext requestContext)
    {
        var set = SmartScopeSet.Parse($"{scopeContext.ToScopePrefix()}/*.cruds {scopeContext.ToScopePrefix()}/Patient.read");

        foreach (var interaction in Interactions)
        {
            set.Permits(requestContext, "Patient", interaction).Should().Be(scopeContext == requestContext);
            set.Permits(requestContext, "*", interaction).Should().Be(scopeContext == requestContext);
        }
    }

    [Theory]
    [InlineData("user/*.rs", "Patient", true)]
    [InlineData("user/*.rs", "Observation", true)]
    [InlineData("user/*.rs", "AuditEvent", true)]
    [InlineData("user/*.rs", "*", true)]
    [InlineData("user/Patient.rs", "Patient", true)]
    [InlineData("user/Patient.rs", "Observation", false)]
    [InlineData("user/Patient.rs", "*", false)]          // every type needs a wildcard scope
    [InlineData("user/Patient.rs", "patient", false)]    // resource types are case-sensitive
    [InlineData("user/Patient.rs", "Patients", false)]
    [InlineData("user/Patient.rs", "", false)]
    [InlineData("user/Patient.rs", "Patient/123", false)]
    [InlineData("user/*.rs", "", false)]
    [InlineData("user/*.rs", "../Patient", false)]
    public void Resource_types_match_exactly_or_through_a_wildcard(string claim, string resourceType, bool expected)
    {
        SmartScopeSet.Parse(claim).Permits(SmartContext.User, resourceType, SmartInteraction.Read).Should().Be(expected);
    }

    [Theory]
    [InlineData("system/*.cu", SmartContext.System, "*", SmartInteraction.Create, true)]
    [InlineData("system/*.cu", SmartContext.System, "*", SmartInteraction.Update, true)]
    [InlineData("system/*.cu", SmartContext.System, "*", SmartInteraction.Read, false)]
    [InlineData("system/*.cu", SmartContext.User, "*", SmartInteraction.Create, false)]
    [InlineData("system/Patient.cu", SmartContext.System, "*", SmartInteraction.Create, false)]
    [InlineData("system/*.write", SmartContext.System, "*", SmartInteraction.Create, true)]
    [InlineData("user/*.cu", SmartContext.System, "*", SmartInteraction.Create, false)]
    [InlineData("user/AuditEvent.rs", SmartContext.User, "AuditEvent", SmartInteraction.Search, true)]
    [InlineData("user/AuditEvent.rs", SmartContext.User, "AuditEvent", SmartInteraction.Create, false)]
    [InlineData("system/AuditEvent.rs", SmartContext.User, "AuditEvent", SmartInteraction.Search, false)]
    [InlineData("patient/Patient.rs", SmartContext.User, "Patient", SmartInteraction.Read, false)]
    [InlineData("user/Patient.rs", SmartContext.Patient, "Patient", SmartInteraction.Read, false)]
    public void Gateway_role_checks(string claim, SmartContext context, string resourceType, SmartInteraction interaction, bool expected)
    {
        SmartScopeSet.Parse(claim).Permits(context, resourceType, interaction).Should().Be(expected);
    }

    [Theory]
    [InlineData("user/Observation.rs?category=laboratory")]
    [InlineData("user/*.rs?_security=N")]
    public void A_qualified_scope_alone_does_not_permit_unconditionally(string claim)
    {
        var set = SmartScopeSet.Parse(claim);

        set.Permits(SmartContext.User, "Observation", SmartInteraction.Search).Should().BeFalse();
        set.Evaluate(SmartContext.User, "Observation", SmartInteraction.Search).IsAllowed.Should().BeTrue();
    }

    [Fact]
    public void A_qualified_scope_next_to_an_unqualified_one_permits()
    {
        SmartScopeSet.Parse("user/Observation.rs?category=laboratory user/Observation.rs")
            .Permits(SmartContext.User, "Observation", SmartInteraction.Search).Should().BeTrue();
    }

    [Fact]
    public void Permits_rejects_a_null_resource_type()
    {
        var permits = () => SmartScopeSet.Parse("user/*.rs").Permits(SmartContext.User, null!, SmartInteraction.Read);
        permits.Should().Throw<ArgumentNullException>();
    }
}
