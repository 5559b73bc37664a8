using System.Net;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using DsnGateway.Fhir.Serialization;
using static DsnGateway.Tests.Authorization.AccessKit;

namespace DsnGateway.Tests.Authorization;

/// <summary>Every interaction on every clinical type, checked against the SMART scope of the token, over HTTP.</summary>
public class ScopeMatrixTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private static readonly string[] Types = ["Patient", "MedicationRequest", "Procedure"];
    private static readonly string[] Interactions = ["read", "search", "create", "update", "delete"];

    /// <summary>What each scope grants, spelled out independently of the gateway's parser: (type or *, letters).</summary>
    private static readonly Dictionary<string, (string Type, string Letters)> Grants = new()
    {
        ["user/Patient.r"] = ("Patient", "r"),
        ["user/Patient.s"] = ("Patient", "s"),
        ["user/Patient.rs"] = ("Patient", "rs"),
        ["user/*.rs"] = ("*", "rs"),
        ["user/*.cruds"] = ("*", "cruds"),
        ["user/Patient.read"] = ("Patient", "rs"),
        ["user/*.write"] = ("*", "cud"),
        ["user/MedicationRequest.cud"] = ("MedicationRequest", "cud"),
    };

    private static string Letter(string interaction) => interaction switch
    {
        "read" => "r",
        "search" => "s",
        "create" => "c",
        "update" => "u",
        _ => "d",
    };

    public static TheoryData<string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var scope in Grants.Keys)
            foreach (var type in Types)
                foreach (var interaction in Interactions)
                    data.Add(scope, type, interaction);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_interaction_needs_its_scope(string scope, string type, string interaction)
    {
        var (granted, letters) = Grants[scope];
        var allowed = (granted == "*" || granted == type) && letters.Contains(Letter(interaction));

        // A fresh NIM patient (and order or procedure) set up by a clinician holding every scope.
        var patient = await CreateAsync(fixture.Client, NewPatient(NimMrn, out _));
        Resource target = type switch
        {
            "Patient" => patient,
            "MedicationRequest" => await CreateAsync(fixture.Client, NewOrder(patient.Id!)),
            _ => await CreateAsync(fixture.Client, NewProcedure(patient.Id!)),
        };

        using var client = fixture.Clinician(scope: scope);
        using var response = interaction switch
        {
            "read" => await client.GetAsync($"fhir/{type}/{target.Id}"),
            "search" => await client.GetAsync($"fhir/{type}?_id={target.Id}"),
            "create" => await client.PostAsync($"fhir/{type}", GatewayFixture.Json(type switch
            {
                "Patient" => NewPatient(NimMrn, out _),
                "MedicationRequest" => NewOrder(patient.Id!),
                _ => NewProcedure(patient.Id!),
            })),
            "update" => await client.PutAsync($"fhir/{type}/{target.Id}", GatewayFixture.Json(target)),
            _ => await client.DeleteAsync($"fhir/{type}/{target.Id}"),
        };
        var body = await response.Content.ReadAsStringAsync();

        if (allowed)
        {
            response.IsSuccessStatusCode.Should().BeTrue($"{scope} grants {interaction} on {type}, but the answer was {(int)response.StatusCode} {body}");
            if (interaction == "search")
                FhirJson.Parse<Bundle>(body).Entry!.Select(e => e.Resource!.Id).Should().Equal(target.Id);
        }
        else
        {
            response.StatusCode.Should().Be(HttpStatusCode.Forbidden, $"{scope} does not grant {interaction} on {type}: {body}");
            var outcome = FhirJson.Parse<OperationOutcome>(body);
            outcome.Diagnostics().Should().Contain($"user/{type}.{Letter(interaction)}");
        }
    }

    [Fact]
    public async Task A_missing_search_scope_is_a_403_OperationOutcome_naming_the_scope()
    {
        using var client = fixture.Clinician(scope: "user/Patient.r");
        using var response = await client.GetAsync("fhir/Patient?family=Tremblay");
        var outcome = await ExpectOutcomeAsync(response, HttpStatusCode.Forbidden);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/fhir+json");
        outcome.Issue.Single().Code.Should().Be(OperationOutcome.IssueType.Forbidden);
        outcome.Diagnostics().Should().Contain("user/Patient.s");
        (await response.Content.ReadAsStringAsync()).Should().NotContain("Élise");
    }

    [Fact]
    public async Task An_include_of_a_type_the_scope_does_not_grant_is_refused()
    {
        using var client = fixture.Clinician(scope: "user/MedicationRequest.rs");
        using var response = await client.GetAsync("fhir/MedicationRequest?_include=MedicationRequest:patient:Patient");
        var outcome = await ExpectOutcomeAsync(response, HttpStatusCode.Forbidden);
        outcome.Diagnostics().Should().Contain("user/Patient.r");
    }

    [Fact]
    public async Task Patient_scopes_confine_reads_and_searches_to_the_token_patient()
    {
        var token = fixture.Token("clinician", "patient/*.rs", "NIM", "app.patient", patient: Tremblay);
        using var client = fixture.ClientWith(token);

        (await client.GetAsync($"fhir/Patient/{Tremblay}")).StatusCode.Should().Be(HttpStatusCode.OK);
        // Côté carries a NIM MRN, so only the patient context keeps her out.
        using var other = await client.GetAsync($"fhir/Patient/{Cote}");
        await ExpectOutcomeAsync(other, HttpStatusCode.Forbidden);
        (await client.GetAsync("fhir/MedicationRequest/sample-mr-cote-1")).StatusCode.Should().Be(HttpStatusCode.Forbidden);

        var patients = await SearchAllAsync(client, "fhir/Patient?_count=1000");
        patients.Select(p => p.Id).Should().Equal(Tremblay);
        var count = await SearchAsync(client, "fhir/Patient?_summary=count");
        count.Total.Should().Be(1);

        var orders = await SearchAllAsync(client, "fhir/MedicationRequest?_count=1000");
        orders.Should().NotBeEmpty().And.AllSatisfy(o => ((MedicationRequest)o).Subject!.Reference.Should().EndWith($"Patient/{Tremblay}"));
        orders.Select(o => o.Id).Should().Contain("sample-mr-tremblay-1");
    }

    [Fact]
    public async Task A_patient_scope_without_the_scope_for_the_type_is_refused_naming_it()
    {
        var token = fixture.Token("clinician", "patient/Patient.rs", "NIM", "app.patient", patient: Tremblay);
        using var client = fixture.ClientWith(token);
        using var response = await client.GetAsync("fhir/MedicationRequest?_count=10");
        var outcome = await ExpectOutcomeAsync(response, HttpStatusCode.Forbidden);
        outcome.Diagnostics().Should().Contain("MedicationRequest.s");
    }

    [Fact]
    public async Task A_qualified_scope_returns_only_the_orders_it_names()
    {
        using var client = fixture.Clinician(scope: "user/MedicationRequest.rs?status=active");

        var orders = (await SearchAllAsync(client, "fhir/MedicationRequest?_count=1000")).Cast<MedicationRequest>().ToList();
        orders.Should().NotBeEmpty().And.OnlyContain(o => o.Status == MedicationRequest.MedicationrequestStatus.Active);
        orders.Select(o => o.Id).Should().Contain("sample-mr-tremblay-1").And.NotContain("sample-mr-cote-1").And.NotContain("sample-mr-cote-2");

        // The same confinement holds for a read and for a count.
        (await client.GetAsync("fhir/MedicationRequest/sample-mr-cote-1")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await client.GetAsync("fhir/MedicationRequest/sample-mr-tremblay-1")).StatusCode.Should().Be(HttpStatusCode.OK);
        var count = await SearchAsync(client, "fhir/MedicationRequest?_summary=count");
        count.Total.Should().Be(orders.Count);

        // Asking for another status through the qualified scope yields nothing it does not grant.
        var completed = await SearchAllAsync(client, "fhir/MedicationRequest?status=completed");
        completed.Should().BeEmpty();
    }
}
