using System.Buffers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using DsnGateway.Audit;
using DsnGateway.Fhir.Serialization;
using Hl7.Fhir.Model;

namespace DsnGateway.Benchmarks;

/// <summary>
/// The AuditEvent every audited read and search writes: Firely's serializer against the audit's own writer
/// (<see cref="AuditEventJson"/>, byte for byte the same output, held equal by AuditEventJsonTests), into one reused
/// buffer as the audit store writes a batch. What the issue 12 rule asks for before a hand-written writer may stay on
/// the read path: that it is measurably faster. The events are what <see cref="AuditEventFactory"/> builds for a read,
/// a search of three patients, a refused read and a break-the-glass read.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 5, iterationCount: 15)]
public class AuditEventJsonBenchmarks
{
    private const int Events = 4;
    private readonly ArrayBufferWriter<byte> _buffer = new(8192);
    private AuditEvent[] _events = [];

    [GlobalSetup]
    public void Setup()
    {
        var noon = new DateTimeOffset(2026, 3, 14, 12, 0, 0, TimeSpan.Zero);
        var clinician = new AuditAgent
        {
            Subject = "dr-tremblay", FhirUser = "Practitioner/95112", ClientId = "viewer-app", Establishment = "NIM", Role = "clinician",
            Scopes = "user/Patient.rs user/MedicationRequest.rs", NetworkAddress = "10.1.2.3",
        };
        AuditRecord Read(string id, int status, string? breakGlass = null) => new()
        {
            Recorded = noon, RequestId = Guid.NewGuid().ToString("N"), Interaction = "read", ResourceType = "Patient", ResourceId = id,
            HttpMethod = "GET", Path = $"/fhir/Patient/{id}", HttpStatus = status, Agent = clinician, Patients = [$"Patient/{id}"],
            BreakGlassReason = breakGlass,
        };
        var factory = new AuditEventFactory();
        _events =
        [
            factory.Create(Read("sample-nim-tremblay", 200)),
            factory.Create(new AuditRecord
            {
                Recorded = noon, RequestId = Guid.NewGuid().ToString("N"), Interaction = "search-type", ResourceType = "MedicationRequest",
                HttpMethod = "GET", Path = "/fhir/MedicationRequest", Query = "?status=active&_count=20", HttpStatus = 200, Agent = clinician,
                Patients = ["Patient/a", "Patient/b", "Patient/c"],
            }),
            factory.Create(Read("sample-mcq-gagnon", 403)),
            factory.Create(Read("sample-mcq-gagnon", 200, "Patiente inconsciente à l’urgence")),
        ];
        for (var i = 0; i < _events.Length; i++) _events[i].Id = (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var auditEvent in _events)
            if (!AuditEventJson.Write(auditEvent, _buffer).SequenceEqual(FhirJson.SerializeToUtf8Bytes(auditEvent)))
                throw new InvalidOperationException("the two writers differ: a benchmark of different outputs would mean nothing");
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Events)]
    public int FirelySerializer()
    {
        var written = 0;
        foreach (var auditEvent in _events)
        {
            _buffer.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = FhirJson.Options.Encoder }))
                JsonSerializer.Serialize<Resource>(writer, auditEvent, FhirJson.Options);
            written += _buffer.WrittenCount;
        }
        return written;
    }

    [Benchmark(OperationsPerInvoke = Events)]
    public int AuditWriter()
    {
        var written = 0;
        foreach (var auditEvent in _events) written += AuditEventJson.Write(auditEvent, _buffer).Length;
        return written;
    }
}
