using DsnGateway.OptionsValidation;
using System.Text.RegularExpressions;

namespace DsnGateway.Authorization;

/// <summary>Section <c>Access</c>: the patients restricted at start are named by FHIR ids; the answer cap is a size a MemoryStream holds.</summary>
internal sealed partial class AccessOptionsProblems : OptionsProblems<AccessOptions>
{
    public override IEnumerable<string> Problems(AccessOptions options)
    {
        if (options.MaxBufferedAnswerBytes is < 1024 or > int.MaxValue)
            yield return $"{AccessOptions.Section}:MaxBufferedAnswerBytes '{options.MaxBufferedAnswerBytes}' is not a number of bytes from 1024 to {int.MaxValue}.";
        for (var i = 0; i < options.RestrictedPatients.Count; i++)
        {
            var id = options.RestrictedPatients[i];
            if (id is null || !FhirId().IsMatch(id))
                yield return $"{AccessOptions.Section}:RestrictedPatients:{i} '{id}' is not a Patient id (letters, digits, '-' and '.', at most 64).";
        }
    }

    [GeneratedRegex(@"^[A-Za-z0-9\-\.]{1,64}$")]
    private static partial Regex FhirId();
}
