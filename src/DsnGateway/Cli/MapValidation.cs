using DsnGateway.Fhir.Validation;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.Cli;

/// <summary>
/// <c>map --validate</c>: what a message or CSV row would become, validated offline (base R4 from specification.zip,
/// CA Baseline for Patients from the profiles folder named by --profiles). Findings go to standard error, one line each with the entry,
/// the resource type, the severity and Firely's element path, so standard output stays the Bundle (or the array).
/// </summary>
internal sealed class MapValidation
{
    private readonly ResourceValidator _validator;
    private int _errors;
    private int _warnings;
    private int _resources;

    private MapValidation(ResourceValidator validator) => _validator = validator;

    /// <summary>
    /// The validator over <paramref name="profilesDirectory"/> (base R4 alone when null, said on stderr so nobody
    /// takes it for a CA Baseline check); null, with the reason on stderr, when the folder named is not there.
    /// </summary>
    public static MapValidation? Create(string? profilesDirectory)
    {
        if (profilesDirectory is null)
        {
            Console.Error.WriteLine("validation against base R4 only: CA Baseline not checked (name its StructureDefinitions with --profiles DIR)");
            return new MapValidation(new ResourceValidator(null));
        }
        if (!Directory.Exists(profilesDirectory))
        {
            Console.Error.WriteLine($"--profiles {profilesDirectory}: no such folder (it should hold the CA Baseline profiles' StructureDefinitions)");
            return null;
        }
        return new MapValidation(new ResourceValidator(profilesDirectory));
    }

    public bool HasErrors => _errors > 0;

    /// <summary>Validates every entry's resource; <paramref name="where"/> prefixes each line (a CSV row's "line N ").</summary>
    public async Task ValidateAsync(Bundle bundle, string where = "")
    {
        foreach (var (entry, index) in bundle.Entry.Select((e, i) => (e, i)))
        {
            if (entry.Resource is not { } resource) continue;
            _resources++;
            foreach (var issue in _validator.Validate(resource))
            {
                if (issue.IsError) _errors++;
                else if (issue.Severity == "warning") _warnings++;
                else continue; // information is noise here
                await Console.Error.WriteLineAsync($"{where}entry[{index}] {resource.TypeName} {issue.Severity} {issue.Path}: {issue.Message}");
            }
        }
    }

    /// <summary>The closing line, on stderr: how many resources, errors and warnings.</summary>
    public Task SummaryAsync() =>
        Console.Error.WriteLineAsync($"validation: {_resources} resources, {_errors} errors, {_warnings} warnings");
}
