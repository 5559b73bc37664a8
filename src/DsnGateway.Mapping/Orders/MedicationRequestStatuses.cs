namespace DsnGateway.Mapping.Orders;

/// <summary>A MedicationRequest.status, and the source code when it could not be understood (kept, never lost).</summary>
/// <param name="UnrecognizedCode">The ORC-5 or ORC-1 value that gave <c>unknown</c>; null otherwise.</param>
public sealed record OrderStatus(string Status, string? UnrecognizedCode = null);

/// <summary>
/// DESIGN.md's MedicationRequest.status table. ORC-5 (order status) decides when valued: A, IP, SC active; CM
/// completed; CA cancelled; DC and RP stopped; HD on-hold; ER entered-in-error. Else ORC-1 (order control): NW,
/// XO, RL active; CA, OC cancelled; DC, OD stopped; HD, OH on-hold. Anything else is <c>unknown</c> with the
/// code kept, so a new control code from a sender is visible rather than silently misread.
/// A CSV layout spells statuses its own way and translates them to these same codes first.
/// </summary>
public static class MedicationRequestStatuses
{
    /// <summary>The extension that keeps a status code the table does not know.</summary>
    public const string UnrecognizedStatusExtension = "urn:dsn:fhir:extension:source-order-status";

    public static OrderStatus From(string? orderStatus, string? orderControl)
    {
        var status = orderStatus?.Trim().ToUpperInvariant();
        if (!string.IsNullOrEmpty(status))
        {
            return status switch
            {
                "A" or "IP" or "SC" => new OrderStatus("active"),
                "CM" => new OrderStatus("completed"),
                "CA" => new OrderStatus("cancelled"),
                "DC" or "RP" => new OrderStatus("stopped"),
                "HD" => new OrderStatus("on-hold"),
                "ER" => new OrderStatus("entered-in-error"),
                _ => new OrderStatus("unknown", status),
            };
        }

        var control = orderControl?.Trim().ToUpperInvariant();
        return control switch
        {
            "NW" or "XO" or "RL" => new OrderStatus("active"),
            "CA" or "OC" => new OrderStatus("cancelled"),
            "DC" or "OD" => new OrderStatus("stopped"),
            "HD" or "OH" => new OrderStatus("on-hold"),
            null or "" => new OrderStatus("unknown"),
            _ => new OrderStatus("unknown", control),
        };
    }
}
