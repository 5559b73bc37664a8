using DsnGateway.SmartScopes;

namespace DsnGateway.Tests.SmartScopes;

/// <summary>One scope string at a time: the SMART 2.x grammar, v1 equivalents, non-resource scopes, qualifiers.</summary>
public class SmartScopeParsingTests
{
    /// <summary>Every non-empty subset of "cruds", in order: the 31 valid v2 permission strings.</summary>
    public static TheoryData<string> AllV2PermissionStrings()
    {
        var data = new TheoryData<string>();
        for (var mask = 1; mask < 32; mask++)
        {
            data.Add(new string("cruds".Where((_, i) => (mask & (1 << i)) != 0).ToArray()));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllV2PermissionStrings))]
    public void Every_in_order_subset_of_cruds_is_a_valid_v2_permission_string(string letters)
    {
        SmartScope.TryParse($"user/Observation.{letters}", out var scope).Should().BeTrue();

        scope!.IsResourceScope.Should().BeTrue();
        scope.IsV1.Should().BeFalse();
        scope.Context.Should().Be(SmartContext.User);
        scope.ResourceType.Should().Be("Observation");
        scope.Permissions.ToLetters().Should().Be(letters);
        scope.HasQualifiers.Should().BeFalse();
        scope.Normalized.Should().Be($"user/Observation.{letters}");
        foreach (var interaction in Enum.GetValues<SmartInteraction>())
        {
            scope.Allows(interaction).Should().Be(letters.Contains((char)interaction), $"'{letters}' and '{(char)interaction}'");
        }
    }

    [Theory]
    [InlineData("c", SmartPermissions.Create)]
    [InlineData("r", SmartPermissions.Read)]
    [InlineData("u", SmartPermissions.Update)]
    [InlineData("d", SmartPermissions.Delete)]
    [InlineData("s", SmartPermissions.Search)]
    [InlineData("rs", SmartPermissions.Read | SmartPermissions.Search)]
    [InlineData("cu", SmartPermissions.Create | SmartPermissions.Update)]
    [InlineData("cruds", SmartPermissions.All)]
    public void Each_letter_maps_to_its_permission(string letters, SmartPermissions expected)
    {
        SmartScope.Parse($"patient/Condition.{letters}").Permissions.Should().Be(expected);
    }

    [Theory]
    [InlineData("read", "rs")]
    [InlineData("write", "cud")]
    [InlineData("*", "cruds")]
    public void V1_permissions_are_accepted_as_their_v2_equivalents(string v1, string v2)
    {
        var scope = SmartScope.Parse($"user/Patient.{v1}");

        scope.IsV1.Should().BeTrue();
        scope.Permissions.ToLetters().Should().Be(v2);
        scope.Normalized.Should().Be($"user/Patient.{v2}");
        scope.Value.Should().Be($"user/Patient.{v1}");
    }

    [Theory]
    [InlineData("patient/Patient.rs", SmartContext.Patient)]
    [InlineData("user/Patient.rs", SmartContext.User)]
    [InlineData("system/Patient.rs", SmartContext.System)]
    public void Each_context_prefix_is_recognised(string text, SmartContext context)
    {
        SmartScope.Parse(text).Context.Should().Be(context);
    }

    [Theory]
    [InlineData("user/*.rs", "rs")]
    [InlineData("system/*.cu", "cu")]
    [InlineData("patient/*.read", "rs")]
    [InlineData("user/*.*", "cruds")]
    [InlineData("system/*.write", "cud")]
    public void Wildcard_resource_type_is_recognised(string text, string letters)
    {
        var scope = SmartScope.Parse(text);

        scope.IsWildcardResourceType.Should().BeTrue();
        scope.ResourceType.Should().Be("*");
        scope.Permissions.ToLetters().Should().Be(letters);
    }

    [Theory]
    [InlineData("user/Patient.rx")]        // unknown letter
    [InlineData("user/Patient.sr")]        // out of order
    [InlineData("user/Patient.dc")]        // out of order
    [InlineData("user/Patient.scrud")]     // out of order
    [InlineData("user/Patient.rr")]        // repeated
    [InlineData("user/Patient.crudss")]    // repeated
    [InlineData("user/Patient.R")]         // case
    [InlineData("user/Patient.RS")]
    [InlineData("user/Patient.Read")]
    [InlineData("user/Patient.READ")]
    [InlineData("user/Patient.reads")]
    [InlineData("user/Patient.")]          // no permissions
    [InlineData("user/Patient")]           // no dot
    [InlineData("user/Patient.rs.rs")]
    [InlineData("user/Patient.read.write")]
    [InlineData("user/Patient.**")]
    [InlineData("user/.rs")]               // no resource type
    [InlineData("user/patient.rs")]        // resource types start upper-case
    [InlineData("user/Pa-tient.rs")]
    [InlineData("user/Pat ient.rs")]
    [InlineData("user/**.rs")]
    [InlineData("user/*Patient.rs")]
    [InlineData("user/Patient/Observation.rs")]
    [InlineData("bogus/Patient.rs")]       // unknown context
    [InlineData("User/Patient.rs")]        // context is case-sensitive
    [InlineData("SYSTEM/*.cu")]
    [InlineData("/Patient.rs")]
    [InlineData("Patient.rs")]
    [InlineData("userPatient.rs")]
    [InlineData("user/")]
    [InlineData("user")]
    [InlineData("user/Patient.rs?")]                 // empty query
    [InlineData("user/Patient.rs?category")]         // no '='
    [InlineData("user/Patient.rs?=laboratory")]      // no name
    [InlineData("user/Patient.rs?category=")]        // no value
    [InlineData("user/Patient.rs?category=a&")]      // empty part
    [InlineData("user/Patient.rs?category=a&&b=c")]
    [InlineData("user/Observation.read?category=laboratory")] // qualifiers are v2 only
    [InlineData("user/Observation.*?category=laboratory")]
    [InlineData("?category=laboratory")]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("user/Patient.rs ")]
    [InlineData("openid2")]
    [InlineData("OpenID")]
    [InlineData("launch/")]
    [InlineData("email")]
    public void Malformed_scopes_are_rejected_without_throwing(string text)
    {
        SmartScope.TryParse(text, out var scope).Should().BeFalse();
        scope.Should().BeNull();
        var parse = () => SmartScope.Parse(text);
        parse.Should().Throw<FormatException>();
    }

    [Fact]
    public void Null_is_rejected_without_throwing()
    {
        SmartScope.TryParse(null, out var scope).Should().BeFalse();
        scope.Should().BeNull();
    }

    [Theory]
    [InlineData("openid")]
    [InlineData("fhirUser")]
    [InlineData("profile")]
    [InlineData("launch")]
    [InlineData("launch/patient")]
    [InlineData("launch/encounter")]
    [InlineData("offline_access")]
    [InlineData("online_access")]
    public void Non_resource_scopes_are_kept_but_grant_nothing(string text)
    {
        var scope = SmartScope.Parse(text);

        scope.IsResourceScope.Should().BeFalse();
        scope.Context.Should().BeNull();
        scope.ResourceType.Should().BeNull();
        scope.Permissions.Should().Be(SmartPermissions.None);
        scope.Normalized.Should().Be(text);
        foreach (var context in Enum.GetValues<SmartContext>())
        {
            foreach (var interaction in Enum.GetValues<SmartInteraction>())
            {
                scope.Covers(context, "Patient", interaction).Should().BeFalse();
                scope.Covers(context, "*", interaction).Should().BeFalse();
            }
        }
    }

    [Fact]
    public void A_single_qualifier_is_parsed()
    {
        var scope = SmartScope.Parse("user/Observation.rs?category=laboratory");

        scope.HasQualifiers.Should().BeTrue();
        scope.Qualifiers.ShouldBePairs(Pair("category", "laboratory"));
        scope.Permissions.ToLetters().Should().Be("rs");
        scope.ResourceType.Should().Be("Observation");
        scope.Normalized.Should().Be("user/Observation.rs?category=laboratory");
    }

    [Fact]
    public void Several_qualifiers_are_parsed_in_order()
    {
        var scope = SmartScope.Parse("patient/Observation.rs?category=laboratory&status=final&code:in=http://example.org/vs");

        scope.Qualifiers.Should().Equal(
            Pair("category", "laboratory"),
            Pair("status", "final"),
            Pair("code:in", "http://example.org/vs"));
    }

    [Theory]
    [InlineData("category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory", "category", "http://terminology.hl7.org/CodeSystem/observation-category|laboratory")]
    [InlineData("category=http%3A%2F%2Fterminology.hl7.org%2FCodeSystem%2Fobservation-category%7Claboratory", "category", "http://terminology.hl7.org/CodeSystem/observation-category|laboratory")]
    [InlineData("code%3Ain=http%3A%2F%2Fexample.org%2Fvs", "code:in", "http://example.org/vs")]
    [InlineData("note=two%20words", "note", "two words")]
    [InlineData("date=ge2024-01-01T00:00:00+05:00", "date", "ge2024-01-01T00:00:00+05:00")] // '+' stays a '+'
    [InlineData("value=a%26b%3Dc", "value", "a&b=c")]
    [InlineData("value=a=b", "value", "a=b")]
    public void Qualifier_values_are_percent_decoded(string query, string name, string value)
    {
        SmartScope.Parse($"user/Observation.rs?{query}").Qualifiers.ShouldBePairs(Pair(name, value));
    }

    [Theory]
    [InlineData("user/Patient.rs", SmartContext.User, "Patient", SmartInteraction.Read, true)]
    [InlineData("user/Patient.rs", SmartContext.User, "Patient", SmartInteraction.Create, false)]
    [InlineData("user/Patient.rs", SmartContext.User, "Observation", SmartInteraction.Read, false)]
    [InlineData("user/Patient.rs", SmartContext.Patient, "Patient", SmartInteraction.Read, false)]
    [InlineData("user/Patient.rs", SmartContext.User, "patient", SmartInteraction.Read, false)]
    [InlineData("user/Patient.rs", SmartContext.User, "*", SmartInteraction.Read, false)]
    [InlineData("user/*.rs", SmartContext.User, "*", SmartInteraction.Read, true)]
    [InlineData("user/*.rs", SmartContext.User, "Encounter", SmartInteraction.Search, true)]
    [InlineData("user/Observation.rs?category=laboratory", SmartContext.User, "Observation", SmartInteraction.Read, true)] // Covers ignores qualifiers
    public void Covers_checks_context_type_and_permission(string text, SmartContext context, string type, SmartInteraction interaction, bool expected)
    {
        SmartScope.Parse(text).Covers(context, type, interaction).Should().Be(expected);
    }

    [Theory]
    [InlineData(SmartInteraction.Create, 'c')]
    [InlineData(SmartInteraction.Read, 'r')]
    [InlineData(SmartInteraction.Update, 'u')]
    [InlineData(SmartInteraction.Delete, 'd')]
    [InlineData(SmartInteraction.Search, 's')]
    public void Interactions_are_their_permission_letters(SmartInteraction interaction, char letter)
    {
        ((char)interaction).Should().Be(letter);
        interaction.ToLetter().Should().Be(letter);
        interaction.ToPermission().ToLetters().Should().Be(letter.ToString());
    }

    private static KeyValuePair<string, string> Pair(string name, string value) => new(name, value);
}
