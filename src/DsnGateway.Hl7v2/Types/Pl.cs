using DsnGateway.Hl7v2.Parsing;

namespace DsnGateway.Hl7v2.Types;

/// <summary>PL, person location: point of care, room, bed, facility (HD), status, type, building, floor.</summary>
public sealed record Pl(string PointOfCare, string Room, string Bed, Hd Facility, string LocationStatus, string PersonLocationType, string Building, string Floor)
{
    public static Pl From(Hl7Repetition r) =>
        new(r.Value(1), r.Value(2), r.Value(3), Hd.From(r.Component(4)), r.Value(5), r.Value(6), r.Value(7), r.Value(8));

    public bool IsEmpty => PointOfCare.Length == 0 && Room.Length == 0 && Bed.Length == 0 && Facility.IsEmpty;
}
