using System.Diagnostics.CodeAnalysis;
using DsnGateway.Hl7v2;

namespace DsnGateway.Mapping;

/// <summary>
/// Why a message could not be mapped: an HL7 table 0357 code for ERR-3, where (ERR-2) and why in words (ERR-8).
/// The intake turns it into an AE (content) or AR (envelope) without having to understand the mapping.
/// </summary>
public sealed record MappingError(int Code, Hl7ErrorLocation? Location, string Message)
{
    public override string ToString() => Location is null ? $"{Code}: {Message}" : $"{Code} at {Location}: {Message}";
}

/// <summary>
/// A mapped value or the reason it could not be mapped. Bad input is never thrown: a message from a legacy
/// system is data, and its faults must reach the sender as an ACK, not as an exception in the intake.
/// </summary>
public sealed class MappingResult<T> where T : class
{
    private MappingResult(T? value, MappingError? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }

    public MappingError? Error { get; }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Value is not null;

    public static MappingResult<T> Success(T value) => new(value ?? throw new ArgumentNullException(nameof(value)), null);

    public static MappingResult<T> Failure(MappingError error) => new(null, error ?? throw new ArgumentNullException(nameof(error)));

    public static MappingResult<T> Failure(int code, Hl7ErrorLocation? location, string message) => Failure(new MappingError(code, location, message));

    public static implicit operator MappingResult<T>(MappingError error) => Failure(error);

    public override string ToString() => IsSuccess ? $"Mapped {typeof(T).Name}" : Error.ToString();
}
