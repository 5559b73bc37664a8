namespace DsnGateway.Hl7v2;

/// <summary>HL7 table 0357 (message error condition codes): the values of ERR-3.1 we send.</summary>
public static class Hl7ErrorCodes
{
    public const int SegmentSequenceError = 100;   // a required segment is missing (or out of place)
    public const int RequiredFieldMissing = 101;
    public const int DataTypeError = 102;          // also: unknown character set, invalid bytes, malformed syntax
    public const int TableValueNotFound = 103;
    public const int UnsupportedMessageType = 200;
    public const int UnsupportedEventCode = 201;
    public const int UnsupportedProcessingId = 202;
    public const int UnsupportedVersionId = 203;
    public const int UnknownKeyIdentifier = 204;   // unknown sender
    public const int DuplicateKeyIdentifier = 205; // control id reused with other bytes
    public const int ApplicationRecordLocked = 206;
    public const int ApplicationInternalError = 207;

    /// <summary>The table's own words for a code, used as ERR-3.2.</summary>
    public static string Text(int code) => code switch
    {
        0 => "Message accepted",
        SegmentSequenceError => "Segment sequence error",
        RequiredFieldMissing => "Required field missing",
        DataTypeError => "Data type error",
        TableValueNotFound => "Table value not found",
        UnsupportedMessageType => "Unsupported message type",
        UnsupportedEventCode => "Unsupported event code",
        UnsupportedProcessingId => "Unsupported processing id",
        UnsupportedVersionId => "Unsupported version id",
        UnknownKeyIdentifier => "Unknown key identifier",
        DuplicateKeyIdentifier => "Duplicate key identifier",
        ApplicationRecordLocked => "Application record locked",
        ApplicationInternalError => "Application internal error",
        _ => "Error",
    };
}

/// <summary>MSA-1 in original mode: accept, error (content), reject (envelope).</summary>
public enum AckCode
{
    /// <summary>Application accept: the message is safe.</summary>
    AA,
    /// <summary>Application error: the content is wrong; resending it unchanged will fail again.</summary>
    AE,
    /// <summary>Application reject: the envelope is wrong (sender, type, version, character set...).</summary>
    AR,
}

/// <summary>Where an error sits, as ERR-2 says it: segment id, segment sequence, field position and deeper.</summary>
public sealed record Hl7ErrorLocation(string Segment, int? SegmentSequence = null, int? Field = null, int? Repetition = null, int? Component = null, int? SubComponent = null)
{
    public override string ToString()
    {
        var s = Segment;
        if (SegmentSequence is { } q) s += $"({q})";
        if (Field is { } f) s += $"-{f}";
        if (Repetition is { } r) s += $"[{r}]";
        if (Component is { } c) s += $".{c}";
        if (SubComponent is { } sc) s += $".{sc}";
        return s;
    }
}
