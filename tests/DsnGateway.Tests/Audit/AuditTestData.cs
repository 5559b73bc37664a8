using DsnGateway.Audit;

namespace DsnGateway.Tests.Audit;

/// <summary>Audit records as the gateway would produce them, and a fresh data directory per test.</summary>
internal static class AuditTestData
{
    public static readonly DateTimeOffset Noon = new(2025, 3, 14, 12, 0, 0, TimeSpan.Zero);

    public static AuditAgent Clinician(string subject = "dr-tremblay", string establishment = "NIM") => new()
    {
        Subject = subject,
        FhirUser = "Practitioner/95112",
        ClientId = "viewer-app",
        Establishment = establishment,
        Role = "clinician",
        Scopes = "user/Patient.rs user/MedicationRequest.rs",
        NetworkAddress = "10.1.2.3",
    };

    public static AuditRecord Read(string patientId = "p1", int status = 200, DateTimeOffset? at = null, AuditAgent? agent = null) => new()
    {
        Recorded = at ?? Noon,
        RequestId = Guid.NewGuid().ToString("N"),
        Interaction = "read",
        ResourceType = "Patient",
        ResourceId = patientId,
        HttpMethod = "GET",
        Path = $"/fhir/Patient/{patientId}",
        HttpStatus = status,
        Agent = agent ?? Clinician(),
        Patients = [$"Patient/{patientId}"],
    };

    public static AuditRecord Search(params string[] patientIds) => new()
    {
        Recorded = Noon,
        RequestId = "req-search-1",
        Interaction = "search-type",
        ResourceType = "MedicationRequest",
        HttpMethod = "GET",
        Path = "/fhir/MedicationRequest",
        Query = "?status=active&_count=20",
        HttpStatus = 200,
        Agent = Clinician(),
        Patients = patientIds.Select(id => $"Patient/{id}").ToList(),
    };

    public static string NewDataDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), "dsn-audit-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return directory;
    }

    public static void Delete(string directory, params AuditStore[] stores)
    {
        foreach (var store in stores) store.ReleaseConnections();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }
}
