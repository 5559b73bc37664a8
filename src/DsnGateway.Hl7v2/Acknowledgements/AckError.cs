using DsnGateway.Hl7v2.Parsing;

namespace DsnGateway.Hl7v2.Acknowledgements;

/// <summary>One ERR segment: a table 0357 code, the words for a person, where it is, how severe (table 0516: E error, W warning, I information).</summary>
public sealed record AckError(int Code, string Message, Hl7ErrorLocation? Location = null, string Severity = "E")
{
    public static AckError From(Hl7ParseError error) => new(error.Code, error.Message, error.Location);
}
