using System.Collections.Concurrent;
using System.Text;
using DsnGateway.Ingestion;

namespace DsnGateway.Tests.Ingestion;

/// <summary>A real inbox.db in a fresh temp directory, messages as the intake would hand them over, and waits.</summary>
internal sealed class InboxTestKit : IAsyncDisposable
{
    public static readonly DateTimeOffset Noon = new(2025, 3, 14, 12, 0, 0, TimeSpan.Zero);

    private readonly List<IAsyncDisposable> _owned = [];

    private InboxTestKit(string directory, InboxStore store)
    {
        Directory = directory;
        Store = store;
    }

    public string Directory { get; }

    public InboxStore Store { get; }

    public InboxSignal Signal { get; } = new();

    public static async Task<InboxTestKit> CreateAsync(TimeSpan? busyTimeout = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "dsn-inbox-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var store = new InboxStore(Path.Combine(directory, InboxStore.FileName), busyTimeout);
        await store.InitializeAsync(CancellationToken.None);
        return new InboxTestKit(directory, store);
    }

    /// <summary>A writer whose loop is not started yet (queue first, then start: one deterministic batch).</summary>
    public InboxWriter NewWriter() => Own(new InboxWriter(Store, Signal));

    public async Task<InboxWriter> StartWriterAsync()
    {
        var writer = NewWriter();
        await writer.StartAsync(CancellationToken.None);
        return writer;
    }

    public DeliveryWorker NewWorker(RecordStoreDouble recordStore, DeliveryOptions? options = null) =>
        Own(new DeliveryWorker(Store, recordStore.DeliverAsync, TimeProvider.System, options ?? FastRetries(), Signal));

    /// <summary>Retries in milliseconds so an outage of a few attempts passes quickly; polling rarely, so the
    /// commit signal is what wakes the worker.</summary>
    public static DeliveryOptions FastRetries() => new()
    {
        RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        RetryMaxDelay = TimeSpan.FromMilliseconds(20),
        PollInterval = TimeSpan.FromSeconds(30),
    };

    public static string Bundle(string name) => $$"""{"resourceType":"Bundle","type":"transaction","id":"{{name}}"}""";

    public static string NameOf(string bundle) => bundle.Split("\"id\":\"")[1].TrimEnd('"', '}');

    public static byte[] Raw(string controlId, string body = "PID|1||123^^^NIM^MR") =>
        Encoding.UTF8.GetBytes($"MSH|^~\\&|ADT_NIM|NIM|DSN|DSN|20250314120000||ADT^A08|{controlId}|P|2.5.1\r{body}\r");

    public static byte[] Ack(string controlId, string code = "AA") =>
        Encoding.UTF8.GetBytes($"MSH|^~\\&|DSN|DSN|ADT_NIM|NIM|20250314120001||ACK^A08|ACK{controlId}|P|2.5.1\rMSA|{code}|{controlId}\r");

    public static AcceptedMessage Message(string controlId, string patientKey = "NAM:TREM50031412", string? bundleName = null,
        string application = "ADT_NIM", byte[]? raw = null) =>
        new(Noon, application, "NIM", controlId, "ADT^A08", raw ?? Raw(controlId), Ack(controlId), Bundle(bundleName ?? controlId), patientKey);

    /// <summary>Waits until <paramref name="condition"/> holds, polling; fails the test after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting until {what}.");
            await Task.Delay(10);
        }
    }

    public static Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        WaitUntilAsync(() => Task.FromResult(condition()), what, timeout);

    public async Task<IReadOnlyList<StoredMessage>> MessagesAsync() => await Store.ListMessagesAsync(CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--) await _owned[i].DisposeAsync();
        Store.ReleaseConnections();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }

    private T Own<T>(T disposable) where T : IAsyncDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }
}

/// <summary>
/// The record store as the delivery worker sees it: a real function that records every Bundle it applied, in
/// order, and whose behaviour a test scripts (an outage, a refusal, a patient whose call blocks).
/// </summary>
internal sealed class RecordStoreDouble
{
    private readonly ConcurrentQueue<string> _applied = new();
    private readonly ConcurrentQueue<string> _calls = new();

    /// <summary>Runs before the Bundle is applied; a non-null result is returned instead of applying it.</summary>
    public Func<string, CancellationToken, Task<DeliveryResult?>>? Before { get; set; }

    /// <summary>Bundle names applied, in the order the store applied them.</summary>
    public IReadOnlyList<string> Applied => _applied.ToArray();

    /// <summary>Every call, including failed ones.</summary>
    public IReadOnlyList<string> Calls => _calls.ToArray();

    public async Task<DeliveryResult> DeliverAsync(string bundleJson, CancellationToken cancellationToken)
    {
        var name = InboxTestKit.NameOf(bundleJson);
        _calls.Enqueue(name);
        if (Before is { } before && await before(name, cancellationToken) is { } refused) return refused;
        _applied.Enqueue(name);
        return DeliveryResult.Delivered;
    }
}
