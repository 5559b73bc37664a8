using System.Diagnostics;

namespace DsnGateway.Ingestion;

/// <summary>
/// A fault point for tests only: with <c>DSN_TEST_FAULT=die-after-store-commit</c> the gateway kills itself (SIGKILL)
/// right after the record store committed a delivered Bundle and before the inbox marks it delivered: the crash that
/// at-least-once delivery must survive without applying anything twice. Honoured in Development only; in any other
/// environment the gateway refuses to start while the variable is set (<see cref="Hosting.DevelopmentOnly"/>).
/// </summary>
internal sealed class DeliveryFault
{
    public const string Variable = "DSN_TEST_FAULT";

    public const string DieAfterStoreCommit = "die-after-store-commit";

    private readonly bool _dieAfterStoreCommit;

    private DeliveryFault(bool dieAfterStoreCommit) => _dieAfterStoreCommit = dieAfterStoreCommit;

    public static DeliveryFault None { get; } = new(false);

    /// <summary>True when the variable is set at all (whatever its value: outside Development that refuses the start).</summary>
    public static bool IsRequested => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable));

    public static DeliveryFault For(IHostEnvironment environment) =>
        environment.IsDevelopment() && Environment.GetEnvironmentVariable(Variable) == DieAfterStoreCommit ? new(true) : None;

    /// <summary>Called once the record store answered a delivery with success, before anything else is done.</summary>
    public void AfterStoreCommit()
    {
        if (_dieAfterStoreCommit) Process.GetCurrentProcess().Kill();
    }
}
