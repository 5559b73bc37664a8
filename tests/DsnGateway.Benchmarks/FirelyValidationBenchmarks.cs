using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Fhir.Validation;
using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Mapping.Bundles;
using DsnGateway.Mapping.Establishments;
using DsnGateway.Testing;
using Hl7.Fhir.Model;

namespace DsnGateway.Benchmarks;

/// <summary>
/// What Firely's validator costs per resource (issue 12), to decide whether it may run in the write path: the 12
/// Quebec ADT messages of <see cref="QuebecAdt"/> mapped once at setup; each op validates one resource as
/// <see cref="ResourceValidator"/> does (the mapped Firely POCO as it is, no serialise and parse between): a Patient against
/// the CA Baseline Patient profile, a Provenance against base R4. The validator is built and warmed at setup (its first
/// call reads specification.zip and snapshots the profiles, seconds that a long-running process pays once).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 5)]
public class FirelyValidationBenchmarks
{
    private const int Messages = 12;
    private static readonly DateTimeOffset ReceivedAt = new(2026, 11, 20, 13, 30, 0, TimeSpan.Zero);

    private ResourceValidator _validator = null!;
    private Patient[] _patients = [];
    private Provenance[] _provenances = [];

    [GlobalSetup]
    public void Setup()
    {
        _validator = new ResourceValidator(SharedData.Path("quebec", "ca-baseline"));
        var builder = new AdtBundleBuilder(SenderConfiguration.Load(Path.Combine(DsnGateway.Testing.Repository.Root, "config", "senders.json")));
        var bundles = QuebecAdt.Messages().Select(bytes => builder.Build(Hl7Parser.Parse(bytes).Message!, ReceivedAt).Value!.Bundle).ToList();
        _patients = bundles.Select(b => b.Entry.Select(e => e.Resource).OfType<Patient>().Single()).ToArray();
        _provenances = bundles.Select(b => b.Entry.Select(e => e.Resource).OfType<Provenance>().Single()).ToArray();
        if (_patients.Length != Messages || _provenances.Length != Messages)
            throw new InvalidOperationException($"Expected {Messages} mapped messages, got {_patients.Length}.");
        // A benchmark of invalid resources would measure the error path: every one must be valid.
        foreach (var resource in _patients.Cast<Resource>().Concat(_provenances))
            if (_validator.Validate(resource).FirstOrDefault(i => i.IsError) is { } error)
                throw new InvalidOperationException($"{resource.TypeName} is not valid: {error.Path}: {error.Message}");
    }


    /// <summary>The serialisation alone, to tell apart what validation adds to what the intake already does.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Messages)]
    public int SerializePatient()
    {
        var chars = 0;
        foreach (var patient in _patients) chars += FhirJson.Serialize(patient).Length;
        return chars;
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public int ValidatePatientCaBaseline()
    {
        var issues = 0;
        foreach (var patient in _patients) issues += _validator.Validate(patient).Count;
        return issues;
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public int ValidateProvenanceR4()
    {
        var issues = 0;
        foreach (var provenance in _provenances) issues += _validator.Validate(provenance).Count;
        return issues;
    }
}
