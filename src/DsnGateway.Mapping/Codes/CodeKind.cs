namespace DsnGateway.Mapping.Codes;

/// <summary>What a local code names, which decides the standard it is mapped to.</summary>
public enum CodeKind
{
    /// <summary>A drug: mapped to a DIN.</summary>
    Drug,

    /// <summary>An intervention: mapped to a CCI code.</summary>
    Procedure,
}
