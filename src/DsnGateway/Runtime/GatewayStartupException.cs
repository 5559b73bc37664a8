namespace DsnGateway.Runtime;

/// <summary>
/// The gateway (or a command) will not start as configured. Each problem is one line that says what is wrong and
/// what to change; they are all listed at once, so an operator fixes the configuration in one pass.
/// </summary>
internal sealed class GatewayStartupException : Exception
{
    public GatewayStartupException(string message)
        : this([message])
    {
    }

    public GatewayStartupException(IReadOnlyList<string> problems, bool isUsageError = false)
        : base(string.Join(Environment.NewLine, problems))
    {
        Problems = problems;
        IsUsageError = isUsageError;
    }

    public IReadOnlyList<string> Problems { get; }

    /// <summary>At least one problem is in the command line itself (exit code 2 rather than 1).</summary>
    public bool IsUsageError { get; }
}
