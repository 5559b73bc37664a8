using System.Globalization;
using DsnGateway.Hl7v2.Encoding;
using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hl7v2.Segments;

namespace DsnGateway.Hl7v2.Acknowledgements;

/// <summary>
/// Builds original-mode acknowledgements: MSH (sender and receiver swapped, the received version, our own
/// control id), MSA (AA/AE/AR and the received MSH-10), and an ERR per error for AE/AR.
/// The ACK is written with the received message's delimiters, so copied fields go back exactly as they came.
/// </summary>
public static class AckBuilder
{
    /// <summary>The version we speak when the received one is unknown.</summary>
    public const string DefaultVersion = "2.5.1";

    public static string Accept(Msh received, string controlId, DateTimeOffset timestamp) =>
        Build(received, AckCode.AA, controlId, timestamp, []);

    /// <summary>
    /// The ACK for <paramref name="received"/> (null when its MSH could not be read at all: a minimal header
    /// then names the gateway by <paramref name="identity"/> and MSA-2 stays empty).
    /// </summary>
    public static string Build(Msh? received, AckCode code, string controlId, DateTimeOffset timestamp, IEnumerable<AckError>? errors = null, AckIdentity? identity = null)
    {
        identity ??= AckIdentity.Default;
        var errorList = (errors ?? []).ToList();
        var delimiters = received is not null && Hl7Delimiters.TryRead(received.Segment.Raw, out var d, out _) ? d : Hl7Delimiters.Default;
        var version = received?.Version is { Length: > 0 } v ? v : DefaultVersion;

        var msh = new Hl7SegmentBuilder("MSH");
        if (received is not null)
        {
            CopyOrDefault(msh, 3, received.Segment.Field(5), identity.Application);
            CopyOrDefault(msh, 4, received.Segment.Field(6), identity.Facility);
            msh.SetRaw(5, received.Segment.Field(3).Raw);
            msh.SetRaw(6, received.Segment.Field(4).Raw);
        }
        else
        {
            msh.Set(3, identity.Application).Set(4, identity.Facility);
        }
        msh.Set(7, FormatTimestamp(timestamp));
        msh.Set(9, 1, "ACK");
        if (received?.TriggerEvent is { Length: > 0 } trigger) msh.Set(9, 2, trigger);
        msh.Set(9, 3, "ACK");
        msh.Set(10, controlId);
        msh.Set(11, received?.ProcessingId is { Length: > 0 } p ? p : "P");
        msh.SetRaw(12, received?.Segment.Field(12).Raw is { Length: > 0 } rawVersion ? rawVersion : Hl7Encoder.Escape(DefaultVersion, delimiters));
        // Echo the character set only when it is one we know: the ACK is then encoded in it by the caller.
        if (received?.CharacterSet is { Length: > 0 } charset && Hl7CharacterSets.IsKnown(charset)) msh.Set(18, charset);

        var oldStyle = IsBefore25(version);
        var msa = new Hl7SegmentBuilder("MSA").Set(1, code.ToString());
        if (received is not null) msa.SetRaw(2, received.Segment.Field(10).Repetition(1).Component(1).Raw);
        else msa.Set(2, "");
        // MSA-3 (text message) was withdrawn in 2.7; older receivers still read it.
        if (oldStyle && code != AckCode.AA && errorList.Count > 0) msa.Set(3, errorList[0].Message);

        var segments = new List<Hl7SegmentBuilder> { msh, msa };
        if (code != AckCode.AA) segments.AddRange(errorList.Select(e => Err(e, oldStyle)));
        return Hl7Encoder.Encode(segments, delimiters);
    }

    /// <summary>The ACK for a message the parser refused; addressed from whatever of its MSH could be read.</summary>
    public static string ForParseFailure(Hl7ParseResult result, string controlId, DateTimeOffset timestamp, AckIdentity? identity = null)
    {
        if (result.IsSuccess) throw new ArgumentException("The message was parsed; build its ACK with Build.", nameof(result));
        return Build(result.Envelope, result.Error.SuggestedAck, controlId, timestamp, [AckError.From(result.Error)], identity);
    }

    private static Hl7SegmentBuilder Err(AckError error, bool oldStyle)
    {
        var err = new Hl7SegmentBuilder("ERR");
        var location = error.Location;
        if (oldStyle)
        {
            // ERR-1 (ELD), the only field before 2.5: segment^sequence^field^code&text&HL70357.
            if (location is not null)
            {
                err.Set(1, 1, 1, 1, location.Segment);
                if (location.SegmentSequence is { } q) err.Set(1, 1, 2, 1, Number(q));
                if (location.Field is { } f) err.Set(1, 1, 3, 1, Number(f));
            }
            err.Set(1, 1, 4, 1, Number(error.Code)).Set(1, 1, 4, 2, Hl7ErrorCodes.Text(error.Code)).Set(1, 1, 4, 3, "HL70357");
        }
        if (location is not null)
        {
            err.Set(2, 1, location.Segment);
            if (location.SegmentSequence is { } q) err.Set(2, 2, Number(q));
            if (location.Field is { } f) err.Set(2, 3, Number(f));
            if (location.Repetition is { } r) err.Set(2, 4, Number(r));
            if (location.Component is { } c) err.Set(2, 5, Number(c));
            if (location.SubComponent is { } s) err.Set(2, 6, Number(s));
        }
        err.Set(3, 1, Number(error.Code)).Set(3, 2, Hl7ErrorCodes.Text(error.Code)).Set(3, 3, "HL70357");
        err.Set(4, error.Severity);
        err.Set(8, error.Message);
        return err;
    }

    private static void CopyOrDefault(Hl7SegmentBuilder msh, int field, Hl7Field source, string fallback)
    {
        if (source.IsEmpty) msh.Set(field, fallback);
        else msh.SetRaw(field, source.Raw);
    }

    private static bool IsBefore25(string version) => version is "2.1" or "2.2" or "2.3" or "2.3.1" or "2.4";

    private static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>MSH-7 with seconds and the offset, as DTM allows: yyyyMMddHHmmss+ZZZZ.</summary>
    public static string FormatTimestamp(DateTimeOffset t) =>
        t.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + (t.Offset < TimeSpan.Zero ? "-" : "+") + t.Offset.Duration().ToString("hhmm", CultureInfo.InvariantCulture);
}
