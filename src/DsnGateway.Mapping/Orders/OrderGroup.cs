using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hl7v2.Segments;

namespace DsnGateway.Mapping.Orders;

/// <summary>
/// One order of an order message: its ORC and the segments after it up to the next ORC (HL7's ORDER group). The
/// timing and route segments are split by what they follow: those after the RXO (or directly under the ORC) belong
/// to the order as requested, those after the RXE to the order as the pharmacy encoded it. The NTE right after the
/// ORC, the RXO or the RXE are the order's notes; an NTE after another segment (an RXC, an OBX) is that segment's.
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
    IReadOnlyList<Rxr> EncodedRoutes,
    IReadOnlyList<Nte> Notes)
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
                if (current is not null) groups.Add(current.Build(message));
                current = new Builder(groups.Count + 1, new Orc(segment));
                continue;
            }
            current?.Add(segment);
        }
        if (current is not null) groups.Add(current.Build(message));
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

        public OrderGroup Build(Hl7Message message)
        {
            var notes = new List<Nte>(message.NotesAfter(orc.Segment));
            if (_rxo is not null) notes.AddRange(message.NotesAfter(_rxo.Segment));
            if (_rxe is not null) notes.AddRange(message.NotesAfter(_rxe.Segment));
            return new(position, orc, _rxo, _rxe, _requestedTimings, _requestedRoutes, _encodedTimings, _encodedRoutes, notes);
        }
    }
}
