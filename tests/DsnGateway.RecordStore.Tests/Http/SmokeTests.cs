using DsnGateway.Fhir.Model;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.RecordStore.Tests.Http;

public class SmokeTests : IClassFixture<RecordStoreFixture>
{
    private readonly RecordStoreFixture _store;

    public SmokeTests(RecordStoreFixture store) => _store = store;

    [Fact]
    public async Task Created_patient_is_read_back_and_found_by_accent_free_family_name()
    {
        var created = await _store.CreateAsync(new Patient
        {
            Identifier = [new Identifier { System = "urn:dsn:mrn:nim", Value = "123" }],
            Name = [new HumanName { Family = "Bélanger", Given = ["Éloïse"] }],
            BirthDate = "1985-06-15",
            Gender = AdministrativeGender.Female,
        });
        created.Id.Should().NotBeNullOrEmpty();
        created.Meta!.VersionId.Should().Be("1");

        var bundle = await _store.SearchAsync("Patient?family=belanger");
        bundle.Total.Should().Be(1);
        bundle.Entry![0].Resource!.Id.Should().Be(created.Id);
    }
}
