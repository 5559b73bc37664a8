using DsnGateway.SmartScopes;

namespace DsnGateway.Tests.SmartScopes;

/// <summary>The scope named in a 403 message.</summary>
public class RequiredScopeForTests
{
    [Theory]
    [InlineData(SmartContext.User, "Patient", SmartInteraction.Read, "user/Patient.r")]
    [InlineData(SmartContext.User, "Patient", SmartInteraction.Search, "user/Patient.s")]
    [InlineData(SmartContext.User, "Observation", SmartInteraction.Create, "user/Observation.c")]
    [InlineData(SmartContext.User, "Observation", SmartInteraction.Update, "user/Observation.u")]
    [InlineData(SmartContext.User, "Observation", SmartInteraction.Delete, "user/Observation.d")]
    [InlineData(SmartContext.Patient, "MedicationRequest", SmartInteraction.Read, "patient/MedicationRequest.r")]
    [InlineData(SmartContext.System, "*", SmartInteraction.Create, "system/*.c")]
    [InlineData(SmartContext.User, "AuditEvent", SmartInteraction.Search, "user/AuditEvent.s")]
    public void Names_context_type_and_letter(SmartContext context, string resourceType, SmartInteraction interaction, string expected)
    {
        SmartScopeSet.RequiredScopeFor(context, resourceType, interaction).Should().Be(expected);
    }

    [Theory]
    [InlineData(SmartContext.User, "Patient", SmartInteraction.Read)]
    [InlineData(SmartContext.Patient, "Observation", SmartInteraction.Search)]
    [InlineData(SmartContext.System, "*", SmartInteraction.Create)]
    [InlineData(SmartContext.System, "Procedure", SmartInteraction.Update)]
    public void The_required_scope_is_itself_a_valid_scope_that_grants_the_request(SmartContext context, string resourceType, SmartInteraction interaction)
    {
        var required = SmartScopeSet.RequiredScopeFor(context, resourceType, interaction);

        SmartScopeSet.Parse(required).Permits(context, resourceType, interaction).Should().BeTrue();
        SmartScopeSet.Parse(required).InvalidScopes.Should().BeEmpty();
    }

    [Fact]
    public void A_denial_carries_the_required_scope()
    {
        SmartScopeSet.Parse("user/Patient.s").Evaluate(SmartContext.User, "Patient", SmartInteraction.Read)
            .RequiredScope.Should().Be("user/Patient.r");
    }

    [Theory]
    [InlineData("")]
    [InlineData("patient")]
    [InlineData("Patient/1")]
    [InlineData("**")]
    public void A_malformed_resource_type_is_a_programming_error(string resourceType)
    {
        var required = () => SmartScopeSet.RequiredScopeFor(SmartContext.User, resourceType, SmartInteraction.Read);
        required.Should().Throw<ArgumentException>();
    }
}
