using System.Net;

namespace DsnGateway.Tests.Authentication;

/// <summary>
/// The <c>token</c> command as an operator runs it (a child process): the token alone on stdout, usable
/// against the gateway of the same data directory; usage errors exit 2, the wrong environment exits 1.
/// </summary>
public class TokenCommandTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task Prints_the_token_alone_and_the_gateway_of_that_data_directory_accepts_it()
    {
        await using var command = GatewayProcess.Start(
            ["token", "--data-dir", gateway.DataDirectory, "--sub", "dr.cli", "--scope", "user/*.rs", "--role", "clinician", "--establishment", "nim", "--fhir-user", "Practitioner/95112"]);

        (await command.WaitForExitAsync()).Should().Be(0, command.Output);
        var lines = command.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var token = lines.Should().ContainSingle("stdout holds the token and nothing else").Subject;
        token.Split('.').Should().HaveCount(3).And.OnlyContain(segment => segment.Length > 0);

        using var client = gateway.ClientWith(token);
        using var response = await client.GetAsync(OpenIdGateway.NimPatient);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TokenAsync_returns_the_printed_token()
    {
        var token = await GatewayProcess.TokenAsync(gateway.DataDirectory, "--sub", "po.cli", "--scope", "user/AuditEvent.rs", "--role", "privacy-officer");

        token.Should().NotContain("\n").And.NotContain(" ");
        token.Split('.').Should().HaveCount(3);
    }

    [Fact]
    public async Task A_clinician_without_establishment_is_a_usage_error()
    {
        var (exit, stdout, output) = await RunAsync("Development", "--sub", "dr.cli", "--scope", "user/*.rs", "--role", "clinician");

        exit.Should().Be(2, output);
        stdout.Should().BeEmpty();
        output.Should().Contain("--establishment");
    }

    [Fact]
    public async Task An_unknown_role_is_a_usage_error()
    {
        var (exit, stdout, output) = await RunAsync("Development", "--sub", "dr.cli", "--scope", "user/*.rs", "--role", "superuser", "--establishment", "NIM");

        exit.Should().Be(2, output);
        stdout.Should().BeEmpty();
        output.Should().Contain("--role");
    }

    [Fact]
    public async Task Production_refuses_to_issue_a_token()
    {
        var (exit, stdout, output) = await RunAsync("Production", "--sub", "dr.cli", "--scope", "user/*.rs", "--role", "clinician", "--establishment", "NIM");

        exit.Should().Be(1, output);
        stdout.Should().BeEmpty();
        output.Should().Contain("Development");
    }

    private async Task<(int Exit, string StandardOutput, string Output)> RunAsync(string environment, params string[] options)
    {
        await using var command = GatewayProcess.Start(["token", "--data-dir", gateway.DataDirectory, .. options], environment);
        var exit = await command.WaitForExitAsync();
        return (exit, command.StandardOutput.Trim(), command.Output);
    }
}
