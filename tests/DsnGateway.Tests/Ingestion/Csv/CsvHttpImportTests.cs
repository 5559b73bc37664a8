using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using DsnGateway.Fhir.Serialization;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.Tests.Ingestion.Csv;

/// <summary>
/// <c>POST /ingest/csv/{establishment}/{kind}</c> end to end: French (NIM) and English (MCQ) exports with bad rows of
/// every reason, delivery to the record store, re-import changing nothing, and HL7 then CSV giving one Patient.
/// </summary>
public sealed class CsvHttpImportTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private static string Id() => Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();

    private HttpClient System(string establishment) => fixture.ClientWith(fixture.Token(role: "system", scope: "system/*.cu", establishment: establishment));

    private static ByteArrayContent Body(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return content;
    }

    private static async Task<JsonElement> PostAsync(HttpClient client, string path, byte[] file)
    {
        using var response = await client.PostAsync(path, Body(file));
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private async Task<Bundle> EventuallyAsync(string query, Func<Bundle, bool> done)
    {
        Bundle found = null!;
        for (var attempt = 0; attempt < 400; attempt++)
        {
            found = FhirJson.Parse<Bundle>(await fixture.Client.GetStringAsync(query));
            if (done(found)) return found;
            await Task.Delay(50);
        }
        return found;
    }

    [Fact]
    public async Task French_exports_import_with_every_reject_reason_and_a_reimport_changes_nothing()
    {
        var n = Id();
        var sophie = CsvFixtures.Nam("LAVS", new DateOnly(1990, 4, 12), female: true, 34);
        var emile = CsvFixtures.Nam("BOUE", new DateOnly(1980, 1, 1), female: false, 12);
        var patients = CsvFixtures.French(CsvFixtures.FrenchPatientHeader,
            $"{sophie};P{n}1;Lavoie;Sophie;12/04/1990;Femme;1234 rue Fictive;Montréal;QC;H2X 1Y4;514-555-0101;20/11/2026 08:30",
            $";P{n}2;Côté;Hélène;03/02/1975;Femme;;Québec;QC;;;20/11/2026 08:30",
            $"{emile};P{n}3;Bouchard;Émile;01/01/1980;Homme;;;;;;20/11/2026 08:30",
            $"ABCD12345;P{n}4;Malformé;Nam;01/01/1980;Homme;;;;;;20/11/2026 08:30",          // malformed NAM
            $"{emile[..4]}80010199;P{n}5;Bouchard;Émile;1980-01-01;Homme;;;;;;20/11/2026 08:30", // bad date
            $";;Personne;Sans;01/01/1980;Homme;;;;;;20/11/2026 08:30",                           // missing NAM and MRN
            $"{sophie};P{n}6;Lavoie;Sophie;12/04/1990;Femme;;;;;;20/11/2026 08:30",              // duplicate key (line 2)
            $"{CsvFixtures.Nam("TREE", new DateOnly(1985, 6, 15), true, 99)};P{n}3;Tremblay;Élise;15/06/1985;Femme;;;;;;20/11/2026 08:30"); // MRN of Émile: conflict

        var answer = await PostAsync(System("NIM"), "ingest/csv/nim/patients", patients);

        answer.GetProperty("accepted").GetInt64().Should().Be(3);
        answer.GetProperty("rejected").GetInt64().Should().Be(5);
        var rejects = answer.GetProperty("rejects").EnumerateArray().Select(r => (r.GetProperty("line").GetInt64(), r.GetProperty("reason").GetString()!)).ToList();
        rejects.Select(r => r.Item1).Should().Equal(5, 6, 7, 8, 9);
        rejects[0].Item2.Should().StartWith("NAM: ABCD12345: NAM malformed");
        rejects[1].Item2.Should().Be("Date de naissance: 1980-01-01 is not a date (expected dd/MM/yyyy)");
        rejects[2].Item2.Should().StartWith("missing required field");
        rejects[3].Item2.Should().StartWith("duplicate key: line 2");
        rejects[4].Item2.Should().StartWith("identity conflict");

        // Orders right after the patients, before their delivery: the inbox's identity index knows them.
        var orders = CsvFixtures.French(CsvFixtures.FrenchOrderHeader,
            $";P{n}1;RX{n}1;;ACET500;Acétaminophène;1,5;comprimé;orale;1,5 co. q6h;actif;20/11/2026 09:15;95112;Dre Gagnon",
            $";P{n}2;RX{n}2;PH{n}2;AMOX500;;500;mg;;;cessé;20/11/2026;;",
            $";X{n}9;RX{n}3;;ACET500;;1;co;;;actif;20/11/2026;;",                      // unknown patient
            $";P{n}1;RX{n}4;;ACET500;;1;co;;;actif;31/11/2026;;");                     // bad date
        var ordersAnswer = await PostAsync(System("NIM"), "ingest/csv/NIM/medication-orders", orders);
        ordersAnswer.GetProperty("accepted").GetInt64().Should().Be(2);
        ordersAnswer.GetProperty("rejects").EnumerateArray().Select(r => r.GetProperty("reason").GetString()).Should()
            .SatisfyRespectively(r => r.Should().StartWith("unknown patient"), r => r.Should().StartWith("Date de prescription: 31/11/2026 is not a date"));

        var procedures = CsvFixtures.French(CsvFixtures.FrenchProcedureHeader,
            $"{emile};;OP{n}1;APPLAP;Appendicectomie;19/11/2026 13:45;réalisée;95112;Dr Roy",
            $"{emile};;OP{n}1;APPLAP;Appendicectomie;19/11/2026 13:45;réalisée;95112;Dr Roy"); // duplicate key
        var proceduresAnswer = await PostAsync(System("NIM"), "ingest/csv/nim/procedures", procedures);
        proceduresAnswer.GetProperty("accepted").GetInt64().Should().Be(1);
        proceduresAnswer.GetProperty("rejected").GetInt64().Should().Be(1);

        // Delivered: Sophie's order hangs on Sophie's NAM Patient (the row named only her MRN).
        var order = await EventuallyAsync($"fhir/MedicationRequest?identifier=urn:dsn:order:nim:placer|RX{n}1&_include=MedicationRequest:patient",
            b => b.Entry.Count == 2);
        var request = order.Entry.Select(e => e.Resource).OfType<MedicationRequest>().Single();
        request.Status.Should().Be(MedicationRequest.MedicationrequestStatus.Active);
        request.DosageInstruction[0].DoseAndRate[0].Dose.Should().BeOfType<Quantity>().Which.Value.Should().Be(1.5m);
        var sophiePatient = order.Entry.Select(e => e.Resource).OfType<Patient>().Single();
        sophiePatient.Identifier.Select(i => i.Value).Should().Contain([sophie, $"P{n}1"]);
        sophiePatient.Name[0].Family.Should().Be("Lavoie");
        var procedure = await EventuallyAsync($"fhir/Procedure?identifier=urn:dsn:procedure:nim|OP{n}1", b => b.Total == 1);
        ((Procedure)procedure.Entry[0].Resource!).Code!.Coding[0].Code.Should().Be("1.NT.89.DA");
        (await EventuallyAsync($"fhir/MedicationRequest?identifier=urn:dsn:order:nim:placer|RX{n}2", b => b.Total == 1)).Total.Should().Be(1);

        // Re-importing the same files changes nothing: same versions.
        var before = sophiePatient.Meta!.VersionId;
        var orderVersion = request.Meta!.VersionId;
        (await PostAsync(System("NIM"), "ingest/csv/nim/patients", patients)).GetProperty("new").GetInt64().Should().Be(0);
        (await PostAsync(System("NIM"), "ingest/csv/nim/medication-orders", orders)).GetProperty("new").GetInt64().Should().Be(0);
        var again = FhirJson.Parse<Bundle>(await fixture.Client.GetStringAsync(
            $"fhir/MedicationRequest?identifier=urn:dsn:order:nim:placer|RX{n}1&_include=MedicationRequest:patient"));
        again.Entry.Select(e => e.Resource).OfType<Patient>().Single().Meta!.VersionId.Should().Be(before);
        again.Entry.Select(e => e.Resource).OfType<MedicationRequest>().Single().Meta!.VersionId.Should().Be(orderVersion);

        // A changed row (status actif -> cessé) updates the one MedicationRequest.
        var changed = CsvFixtures.French(CsvFixtures.FrenchOrderHeader,
            $";P{n}1;RX{n}1;;ACET500;Acétaminophène;1,5;comprimé;orale;1,5 co. q6h;cessé;20/11/2026 09:15;95112;Dre Gagnon");
        var changedAnswer = await PostAsync(System("NIM"), "ingest/csv/nim/medication-orders", changed);
        changedAnswer.GetProperty("new").GetInt64().Should().Be(0);
        changedAnswer.GetProperty("updated").GetInt64().Should().Be(1, "the row was imported before with other text");
        var updated = await EventuallyAsync($"fhir/MedicationRequest?identifier=urn:dsn:order:nim:placer|RX{n}1",
            b => b.Entry.Count == 1 && ((MedicationRequest)b.Entry[0].Resource!).Status == MedicationRequest.MedicationrequestStatus.Stopped);
        updated.Total.Should().Be(1);
        ((MedicationRequest)updated.Entry[0].Resource!).Status.Should().Be(MedicationRequest.MedicationrequestStatus.Stopped);
    }

    private const string NimEnglishPatientHeader = "health_number,chart_no,last_name,first_name,birth_date,sex,street,city,postal_code,phone,extracted_at";

    [Fact]
    public async Task A_windows_1252_export_declared_utf8_is_refused_whole_and_nothing_of_it_is_admitted()
    {
        var n = Id();
        var roy = CsvFixtures.Nam("ROYC", new DateOnly(1985, 12, 5), female: true, 18);
        var rows = new[]
        {
            $",E{n}1,Tremblay,Noah,2001-01-30,M,,Laval,,,2026-11-21 09:00:00",
            $"{roy},E{n}2,Roy,Chloé,1985-12-05,F,,,,,2026-11-21 09:00:00",
        };
        // NIM's English export is UTF-8 (layout "en", recognised by its header); this one was saved in Windows-1252.
        var wrong = CsvFixtures.Windows1252.GetBytes(string.Join("\n", [NimEnglishPatientHeader, .. rows]) + "\n");

        using (var refused = await System("NIM").PostAsync("ingest/csv/nim/patients", Body(wrong)))
        {
            var outcome = await refused.Content.ReadAsStringAsync();
            refused.StatusCode.Should().Be(HttpStatusCode.BadRequest, outcome);
            outcome.Should().Contain("OperationOutcome").And.Contain("line 3, column 33: byte 0xE9 is not valid UTF-8")
                .And.Contain("windows-1252").And.Contain("Nothing was imported");
        }

        // The same rows in UTF-8: both new, so not even the first (unaccented) row of the refused file was admitted.
        var answer = await PostAsync(System("NIM"), "ingest/csv/nim/patients", CsvFixtures.English(NimEnglishPatientHeader, rows));
        answer.GetProperty("new").GetInt64().Should().Be(2);
        answer.GetProperty("layout").GetString().Should().Be("en");
        var stored = await EventuallyAsync($"fhir/Patient?identifier=urn:dsn:mrn:nim|E{n}2", b => b.Total == 1);
        ((Patient)stored.Entry[0].Resource!).Name[0].Given.Should().Equal("Chloé");
    }

    [Fact]
    public async Task A_corrected_file_updates_the_rows_imported_before_and_says_so()
    {
        var n = Id();
        var nam = CsvFixtures.Nam("GAGG", new DateOnly(1978, 3, 14), female: true, 12);
        string Row(string family) => $"{nam},G{n}1,{family},Geneviève,1978-03-14,F,,Montréal,,514-555-0141,2026-11-20 08:30:00";
        var other = $",G{n}2,Roy,Luc,1960-02-02,M,,,,,2026-11-20 08:30:00";
        // Valid UTF-8, so no decoding check can see it: the text was already converted twice before it was exported.
        var damaged = CsvFixtures.English(NimEnglishPatientHeader, Row("Gagnon-BÃ©langer"), other);
        (await PostAsync(System("NIM"), "ingest/csv/nim/patients", damaged)).GetProperty("new").GetInt64().Should().Be(2);
        await EventuallyAsync($"fhir/Patient?identifier=urn:dsn:mrn:nim|G{n}1", b => b.Total == 1);

        var corrected = await PostAsync(System("NIM"), "ingest/csv/nim/patients", CsvFixtures.English(NimEnglishPatientHeader, Row("Gagnon-Bélanger"), other));

        corrected.GetProperty("updated").GetInt64().Should().Be(1);
        corrected.GetProperty("unchanged").GetInt64().Should().Be(1);
        corrected.GetProperty("new").GetInt64().Should().Be(0);
        var repaired = await EventuallyAsync($"fhir/Patient?identifier=urn:dsn:mrn:nim|G{n}1",
            b => b.Entry.Count == 1 && ((Patient)b.Entry[0].Resource!).Name[0].Family == "Gagnon-Bélanger");
        repaired.Total.Should().Be(1);
        ((Patient)repaired.Entry[0].Resource!).Name[0].Family.Should().Be("Gagnon-Bélanger");
    }

    [Fact]
    public async Task A_layout_is_named_with_the_layout_parameter_or_recognised_and_an_unknown_one_lists_the_configured_ones()
    {
        var n = Id();
        var french = CsvFixtures.French(CsvFixtures.FrenchPatientHeader, $";F{n}1;Côté;Éric;02/11/1965;Homme;;;;;;20/11/2026 08:30");

        (await PostAsync(System("NIM"), "ingest/csv/nim/patients", french)).GetProperty("layout").GetString().Should().Be("fr");
        // The same text in other bytes (UTF-8, its byte order mark winning over the layout's Windows-1252): re-import
        // compares the decoded content, so nothing changes.
        var utf8 = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(CsvFixtures.Windows1252.GetString(french))).ToArray();
        var again = await PostAsync(System("NIM"), "ingest/csv/nim/patients?layout=FR", utf8);
        again.GetProperty("layout").GetString().Should().Be("fr");
        again.GetProperty("unchanged").GetInt64().Should().Be(1);

        using var unknown = await System("NIM").PostAsync("ingest/csv/nim/patients?layout=de", Body(french));
        unknown.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await unknown.Content.ReadAsStringAsync()).Should().Contain("No CSV layout 'de'").And.Contain("fr (windows-1252").And.Contain("en (utf-8");

        using var unrecognised = await System("NIM").PostAsync("ingest/csv/nim/patients", Body(CsvFixtures.English("id,name", "1,x")));
        unrecognised.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await unrecognised.Content.ReadAsStringAsync()).Should().Contain("matches none of the layouts configured for NIM patients");
    }

    [Fact]
    public async Task An_hl7_patient_and_a_csv_patient_with_the_same_nam_are_one_patient()
    {
        var n = Id();
        var nam = CsvFixtures.Nam("GIRM", new DateOnly(1980, 12, 24), female: true, 25);
        using var adt = await System("NIM").PostAsync("ingest/hl7v2", new ByteArrayContent(AdtMessages.Utf8(
            AdtMessages.A01("ADT_NIM", "NIM", $"X{n}", $"{nam}^^^RAMQ^JHN~N{n}^^^NIM^MR", "Girard^Marie", "19801224", "F"))));
        AdtMessages.AckCode(await adt.Content.ReadAsStringAsync()).Should().Be("AA");

        var english = CsvFixtures.English(CsvFixtures.EnglishPatientHeader,
            $"{nam},M{n},Girard,Marie,1980-12-24,F,5 rue Fictive,Trois-Rivières,QC,G9A 5H7,819-555-0000,2026-11-21 08:00:00");
        var answer = await PostAsync(System("MCQ"), "ingest/csv/mcq/patients", english);
        answer.GetProperty("accepted").GetInt64().Should().Be(1);

        var found = await EventuallyAsync($"fhir/Patient?identifier=https://fhir.infoway-inforoute.ca/NamingSystem/ca-qc-patient-healthcare-id|{nam}",
            b => b.Entry.Count == 1 && ((Patient)b.Entry[0].Resource!).Identifier.Any(i => i.Value == $"M{n}"));
        found.Total.Should().Be(1);
        ((Patient)found.Entry[0].Resource!).Identifier.Select(i => (i.System, i.Value)).Should()
            .Contain([("urn:dsn:mrn:nim", $"N{n}"), ("urn:dsn:mrn:mcq", $"M{n}")]);
    }

    [Fact]
    public async Task The_endpoint_refuses_without_a_token_with_another_establishment_and_for_unknown_kinds()
    {
        var file = CsvFixtures.English(CsvFixtures.EnglishPatientHeader);
        using var anonymous = await fixture.Anonymous.PostAsync("ingest/csv/mcq/patients", Body(file));
        anonymous.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await anonymous.Content.ReadAsStringAsync()).Should().Contain("OperationOutcome");

        using var wrong = await System("NIM").PostAsync("ingest/csv/MCQ/patients", Body(file));
        wrong.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await wrong.Content.ReadAsStringAsync()).Should().Contain("OperationOutcome");

        using var clinician = await fixture.Client.PostAsync("ingest/csv/nim/patients", Body(file));
        clinician.StatusCode.Should().Be(HttpStatusCode.Forbidden);

        using var kind = await System("MCQ").PostAsync("ingest/csv/mcq/visits", Body(file));
        kind.StatusCode.Should().Be(HttpStatusCode.NotFound);
        using var establishment = await System("MCQ").PostAsync("ingest/csv/xyz/patients", Body(file));
        establishment.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }
}
