using System.CommandLine;
using DsnGateway.Hosting;

namespace DsnGateway.Cli;

/// <summary><c>serve</c>: runs the gateway until stopped.</summary>
internal static class ServeCommand
{
    private static readonly Option<string?> Urls = new("--urls") { Description = "Listen addresses, e.g. http://127.0.0.1:8080" };
    private static readonly Option<bool> NoSampleData = new("--no-sample-data") { Description = "Start a fresh gateway empty" };
    private static readonly Option<string?> Mllp = new("--mllp") { Description = "MLLP listen address host:port (default 127.0.0.1:2575)" };

    public static Command Create()
    {
        var command = new Command("serve", "Run the gateway (the default command).") { Urls, NoSampleData, Mllp };
        command.SetAction((result, token) => RunAsync(result, token));
        return command;
    }

    public static async Task<int> RunAsync(ParseResult result, CancellationToken cancellationToken)
    {
        var settings = new GatewaySettings
        {
            Paths = GatewayCommandLine.Paths(result),
            Urls = result.GetValue(Urls),
            LoadSampleData = !result.GetValue(NoSampleData),
            Mllp = result.GetValue(Mllp),
        };
        await using var app = await GatewayApplication.BuildAsync(settings, cancellationToken);
        await app.RunAsync(cancellationToken);
        return 0;
    }
}
