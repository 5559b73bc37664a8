using DsnGateway.Hosting;
using DsnGateway.Runtime;

namespace DsnGateway.Cli;

/// <summary>
/// What a command builds on: a host over the gateway's configuration sources and environment, with the composition
/// root's core (<see cref="GatewayServices.AddGatewayCore"/>) registered; the command adds the capabilities it uses.
/// The options are checked before anything is opened, every problem at once and one line each, as for <c>serve</c>
/// (a <see cref="GatewayStartupException"/>: exit 1).
/// </summary>
internal sealed class CommandHost : IDisposable
{
    private readonly CheckedOptions _options;

    private CommandHost(GatewayPaths paths, HostApplicationBuilder builder, CheckedOptions options)
    {
        Paths = paths;
        Builder = builder;
        _options = options;
    }

    public GatewayPaths Paths { get; }

    public HostApplicationBuilder Builder { get; }

    /// <exception cref="GatewayStartupException">the configuration is missing, unreadable or invalid.</exception>
    public static CommandHost Create(GatewayPaths paths, string? environmentName = null)
    {
        if (StartupChecks.ConfigDirectory(paths.ConfigDirectory) is { } missing) throw new GatewayStartupException(missing);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            EnvironmentName = GatewayConfiguration.EnvironmentName(environmentName),
            ContentRootPath = AppContext.BaseDirectory,
        });
        try
        {
            builder.Configuration.AddGatewaySources(paths, builder.Environment.EnvironmentName, new Dictionary<string, string?>());
        }
        catch (InvalidDataException ex)
        {
            throw new GatewayStartupException($"{ex.Message} {ex.InnerException?.Message}".Trim());
        }
        var options = GatewayServices.CheckOptions(builder.Configuration, builder.Environment);
        if (options.Problems.Count > 0)
        {
            options.Dispose();
            throw new GatewayStartupException(options.Problems);
        }
        builder.Services.AddGatewayCore(paths, builder.Configuration);
        // A command ends when its work is done, or on Ctrl+C through its own cancellation: the host does not hold the console.
        builder.Services.AddSingleton<IHostLifetime, CommandLifetime>();
        return new CommandHost(paths, builder, options);
    }

    /// <summary>A section's options, as checked.</summary>
    public T Options<T>()
        where T : class => _options.ValueOrNull<T>()!;

    public void Dispose() => _options.Dispose();

    private sealed class CommandLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
