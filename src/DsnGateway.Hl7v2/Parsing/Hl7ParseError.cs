namespace DsnGateway.Hl7v2.Parsing;

/// <summary>What went wrong while reading a message. Every failure of the parser is one of these.</summary>
public enum Hl7ParseErrorKind
{
    /// <summary>No bytes, or only blank lines.</summary>
    Empty,
    /// <summary>Over the configured size ceiling (checked before parsing).</summary>
    TooLarge,
    /// <summary>The text does not start with an MSH segment.</summary>
    MissingHeader,
    /// <summary>MSH-1/MSH-2 do not declare usable delimiters.</summary>
    InvalidDelimiters,
    /// <summary>MSH-18 names a character set we do not know (the gateway answers AR).</summary>
    UnknownCharacterSet,
    /// <summary>The bytes are not valid in the declared character set (the gateway answers AE).</summary>
    InvalidBytes,
    /// <summary>A line after MSH is not a segment (it does not start with three upper-case letters or digits and the
    /// field separator): a content error (AE).</summary>
    MalformedSegment,
    /// <summary>A second MSH: several messages where one was expected (see <see cref="Hl7Batch"/>).</summary>
    MultipleMessages,
    TooManySegments,
    TooManyFields,
    TooManyRepetitions,
}

/// <summary>A structured parse failure: its kind, the table 0357 code for ERR-3, where, and why in words.</summary>
public sealed record Hl7ParseError(Hl7ParseErrorKind Kind, int Code, string Message, Hl7ErrorLocation? Location = null)
{
    /// <summary>
    /// The answer DESIGN.md prescribes: bytes invalid in a known set, and a line after a valid MSH that is not a
    /// segment, are content errors (AE); everything else the parser can reject is the envelope (AR).
    /// </summary>
    public AckCode SuggestedAck => Kind is Hl7ParseErrorKind.InvalidBytes or Hl7ParseErrorKind.MalformedSegment ? AckCode.AE : AckCode.AR;

    public override string ToString() => Location is null ? $"{Kind} ({Code}): {Message}" : $"{Kind} ({Code}) at {Location}: {Message}";
}
