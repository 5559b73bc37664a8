using System.Diagnostics.CodeAnalysis;
using DsnGateway.Hl7v2.Segments;

namespace DsnGateway.Hl7v2.Parsing;

/// <summary>
/// The outcome of parsing: a message, or an error. Even on error, <see cref="Envelope"/> holds the MSH when it
/// could be read, so the caller can still answer with a proper ACK (MSA-2 = the received MSH-10).
/// </summary>
public sealed class Hl7ParseResult
{
    private Hl7ParseResult(Hl7Message? message, Hl7ParseError? error, Msh? envelope)
    {
        Message = message;
        Error = error;
        Envelope = envelope;
    }

    public Hl7Message? Message { get; }

    public Hl7ParseError? Error { get; }

    /// <summary>The header as far as it could be read; null when not even MSH was readable.</summary>
    public Msh? Envelope { get; }

    [MemberNotNullWhen(true, nameof(Message))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Message is not null;

    public static Hl7ParseResult Success(Hl7Message message) => new(message, null, message.Msh);

    public static Hl7ParseResult Failure(Hl7ParseError error, Msh? envelope = null) => new(null, error, envelope);

    public override string ToString() => IsSuccess ? $"Parsed {Message.Segments.Count} segments" : Error.ToString();
}
