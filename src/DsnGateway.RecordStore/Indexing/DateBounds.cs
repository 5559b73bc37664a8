namespace DsnGateway.RecordStore.Indexing;

/// <summary>Converts date ranges to the inclusive Unix-millisecond bounds stored in the date index.</summary>
public static class DateBounds
{
    public static long ToLow(DateTimeOffset start) =>
        start == DateTimeOffset.MinValue ? long.MinValue : start.ToUnixTimeMilliseconds();

    /// <summary>The millisecond holding the range's last instant (a range may end inside a millisecond: .1234 s).</summary>
    public static long ToHigh(DateTimeOffset endExclusive) =>
        endExclusive == DateTimeOffset.MaxValue ? long.MaxValue : endExclusive.AddTicks(-1).ToUnixTimeMilliseconds();
}
