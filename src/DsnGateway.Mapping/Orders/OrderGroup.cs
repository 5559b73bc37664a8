using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hl7v2.Segments;

namespace DsnGateway.Mapping.Orders;

/// <summary>
/// One order of an order message: its ORC and the segments after it up to the next ORC (HL7's ORDER group). The
/// timing and route segments are split by what they follow: those after the RXO (or directly under the ORC) belong
/// to the order as requested, those after the RXE to the order as the pharmacy encoded it.
/// </summary>
/// <param name="Position">The ORC's occurrence in the message (1-based), for ERR-2 and the entry's name.</param>
public sealed record OrderGroup(
    int Position,
    Orc Orc,
    Rxo? Rxo,
    Rxe? Rxe,
    IReadOnlyList<Tq1> RequestedTimings,
    IReadOnlyList<Rxr> RequestedRoutes,
    IReadOnlyList<Tq1> EncodedTimings,
    IReadOnlyList<Rxr> EncodedRoutes)
{
    /// <summary>The message's orders in order; segments before the first ORC belong to none.</summary>
    public static IReadOnlyList<OrderGroup> Read(Hl7Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var groups = new List<OrderGroup>();
        Builder? current = null;
        foreach (var segment in message.Segments)
        {
            if (segment.Name == "ORC")
            {
                if (current is not null) groups.Add(current.Build());
                current = new Builder(groups.Count + 1, new Orc(segment));
                continue;
            }
            current?.Add(segment);
        }
        if (current is not null) groups.Add(current.Build());
        return groups;
    }

    private sealed class Builder(int position, Orc orc)
    {
        private Rxo? _rxo;
        private Rxe? _rxe;
        private readonly List<Tq1> _requestedTimings = [];
        private readonly List<Rxr> _requestedRoutes = [];
        private readonly List<Tq1> _encodedTimings = [];
        private readonly List<Rxr> _encodedRoutes = [];

        public void Add(Segment segment)
        {
            switch (segment.Name)
            {
                case "RXO" when _rxo is null && _rxe is null: _rxo = new Rxo(segment); break;
                case "RXE" when _rxe is null: _rxe = new Rxe(segment); break;
                case "TQ1": (_rxe is null ? _requestedTimings : _encodedTimings).Add(new Tq1(segment)); break;
                case "RXR": (_rxe is null ? _requestedRoutes : _encodedRoutes).Add(new Rxr(segment)); break;
            }
        }

        public OrderGroup Build() => new(position, orc, _rxo, _rxe, _requestedTimings, _requestedRoutes, _encodedTimings, _encodedRoutes);
    }
}
