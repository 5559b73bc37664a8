using DsnGateway.Audit;

namespace DsnGateway.Tests.Audit;

/// <summary>A started <see cref="AuditWriter"/> over a real audit.db in a fresh temp folder.</summary>
internal sealed class AuditStoreFixture : IAsyncDisposable
{
    private AuditStoreFixture(string directory, AuditStore store, AuditWriter writer)
    {
        Directory = directory;
        Store = store;
        Writer = writer;
    }

    public string Directory { get; }
    public AuditStore Store { get; }
    public AuditWriter Writer { get; }
    public string DatabasePath => Store.DatabasePath;

    public static async Task<AuditStoreFixture> StartAsync(TimeSpan? busyTimeout = null)
    {
        var directory = AuditTestData.NewDataDirectory();
        var store = new AuditStore(Path.Combine(directory, AuditStore.FileName), busyTimeout);
        var writer = new AuditWriter(store, new AuditEventFactory());
        await writer.StartAsync(CancellationToken.None);
        return new AuditStoreFixture(directory, store, writer);
    }

    public async ValueTask DisposeAsync()
    {
        await Writer.DisposeAsync();
        AuditTestData.Delete(Directory, Store);
    }
}
