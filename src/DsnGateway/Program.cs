using DsnGateway.Cli;

return await GatewayCommandLine.RunAsync(args);

/// <summary>The gateway's entry point (public for tests that start it in-process).</summary>
public partial class Program;
