using DsnGateway.Fhir.Outcomes;
using DsnGateway.Fhir.Primitives;

namespace DsnGateway.Audit;

/// <summary>
/// One <c>date</c> value on AuditEvent.recorded (an instant), at the precision it was written: <c>eq2024-03</c>
/// is the whole month. For an instant t against the value's range [Start, End): eq Start ≤ t &lt; End, ne
/// outside it, gt t ≥ End, ge t ≥ Start, lt t &lt; Start, le t &lt; End.
/// </summary>
internal sealed record AuditDateCriterion(string Prefix, PartialDateTime Value)
{
    private static readonly string[] Prefixes = ["eq", "ne", "gt", "ge", "lt", "le"];

    public static AuditDateCriterion Parse(string text)
    {
        var prefix = "eq";
        var value = text;
        if (text.Length > 2 && char.IsAsciiLetter(text[0]) && char.IsAsciiLetter(text[1]))
        {
            prefix = text[..2];
            value = text[2..];
            if (!Prefixes.Contains(prefix))
                throw FhirOperationException.BadRequest($"date prefix '{prefix}' is not supported here (eq, ne, gt, ge, lt, le).", "date");
        }
        if (!PartialDateTime.TryParse(value, out var parsed))
            throw FhirOperationException.BadRequest($"date '{value}' is not a FHIR date or dateTime.", "date");
        return new AuditDateCriterion(prefix, parsed);
    }

    /// <summary>The condition on the column of UTC ticks, with its two bounds as parameters.</summary>
    public string ToSql(string column, string startParameter, string endParameter) => Prefix switch
    {
        "ne" => $"({column} < {startParameter} OR {column} >= {endParameter})",
        "gt" => $"{column} >= {endParameter}",
        "ge" => $"{column} >= {startParameter}",
        "lt" => $"{column} < {startParameter}",
        "le" => $"{column} < {endParameter}",
        _ => $"({column} >= {startParameter} AND {column} < {endParameter})",
    };
}
