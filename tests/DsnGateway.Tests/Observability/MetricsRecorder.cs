using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using DsnGateway.Observability;

namespace DsnGateway.Tests.Observability;

/// <summary>
/// Listens to the <c>DsnGateway</c> meter of one gateway (one <see cref="IMeterFactory"/>: tests run gateways in
/// parallel, each with a meter of its own) and keeps every measurement with its tags.
/// </summary>
public sealed class MetricsRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Measured> _measurements = new();

    public MetricsRecorder(IMeterFactory scope)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == GatewayMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, scope))
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((i, value, tags, _) => Keep(i, value, tags));
        _listener.SetMeasurementEventCallback<int>((i, value, tags, _) => Keep(i, value, tags));
        _listener.SetMeasurementEventCallback<double>((i, value, tags, _) => Keep(i, value, tags));
        _listener.Start();
    }

    public sealed record Measured(string Instrument, double Value, IReadOnlyDictionary<string, string?> Tags);

    public IReadOnlyList<Measured> Of(string instrument) => _measurements.Where(m => m.Instrument == instrument).ToList();

    /// <summary>Asks the observable instruments (the inbox depth) for their value now.</summary>
    public void Observe() => _listener.RecordObservableInstruments();

    /// <summary>Waits (bounded) until a measurement of <paramref name="instrument"/> matches: some are recorded after the
    /// response has reached the client, or after the ACK.</summary>
    public async Task<Measured> WaitForAsync(string instrument, Func<Measured, bool>? match = null)
    {
        for (var attempt = 0; attempt < 400; attempt++)
        {
            if (Of(instrument).FirstOrDefault(m => match?.Invoke(m) ?? true) is { } found) return found;
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"{instrument} was never recorded as expected; recorded: "
            + string.Join("; ", Of(instrument).Select(m => $"{m.Value} {string.Join(",", m.Tags.Select(t => $"{t.Key}={t.Value}"))}")));
    }

    private void Keep(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, string?>();
        foreach (var tag in tags) copy[tag.Key] = tag.Value?.ToString();
        _measurements.Enqueue(new Measured(instrument.Name, value, copy));
    }

    public void Dispose() => _listener.Dispose();
}
