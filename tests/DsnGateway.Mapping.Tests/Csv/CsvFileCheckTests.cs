using System.Text;
using DsnGateway.Mapping.Csv;

namespace DsnGateway.Mapping.Tests.Csv;

/// <summary>
/// The first pass over an export: a wrong encoding refuses the whole file (line, column, likely encoding), the layout
/// is recognised by the header row among an establishment's several, and the data rows are counted.
/// </summary>
public sealed class CsvFileCheckTests
{
    private static readonly Mapping.Establishments.SenderRegistry Senders = QuebecFixtures.DefaultSenders();

    private static readonly CsvLayouts Shipped =
        CsvLayoutConfiguration.Load(Path.Combine(Path.GetDirectoryName(QuebecFixtures.ConfigPath)!, CsvLayoutConfiguration.FileName), Senders.Establishments);

    static CsvFileCheckTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    private static Encoding Windows1252 => Encoding.GetEncoding(1252);

    private const string EnglishHeader = "health_number,chart_no,last_name,first_name,birth_date,sex,street,city,postal_code,phone,extracted_at";
    private const string FrenchHeader =
        "NAM;No dossier;Nom;Prénom;Date de naissance;Sexe;Adresse;Ville;Province;Code postal;Téléphone;Date d'extraction";

    private static CsvFileFacts Check(byte[] bytes, params CsvLayout[] layouts) => CsvFileCheck.Run(new MemoryStream(bytes), layouts);

    private static CsvLayout Layout(string establishment, CsvKind kind, string name) => Shipped.Find(establishment, kind, name)!;

    [Fact]
    public void A_windows_1252_export_declared_utf8_is_refused_naming_line_column_and_the_likely_encoding()
    {
        // "Gagnon-Bélanger" in Windows-1252: é is the single byte 0xE9, which UTF-8 cannot start a character with.
        var bytes = Windows1252.GetBytes(EnglishHeader + "\n" + ",N1,Gagnon-Bélanger,Ève,1978-03-14,F,,,,,2026-11-20 08:30:00\n");

        var act = () => Check(bytes, Layout("NIM", CsvKind.Patients, "en"));

        act.Should().Throw<CsvFileException>()
            .WithMessage("line 2, column 13: byte 0xE9 is not valid UTF-8 (utf-8, as the NIM patients layout \"en\" declares); the file looks like windows-1252*'é'*Nothing was imported*");
    }

    [Fact]
    public void A_utf8_export_declared_windows_1252_is_refused_as_utf8()
    {
        var bytes = Encoding.UTF8.GetBytes(FrenchHeader + "\r\n" + ";N1;Côté;Marie;15/06/1985;Femme;;;;;;\r\n");

        var act = () => Check(bytes, Layout("NIM", CsvKind.Patients, "fr"));

        // The header's own "é" (Prénom) is the first multi-byte sequence: line 1, column 22.
        act.Should().Throw<CsvFileException>()
            .WithMessage("line 1, column 22: bytes 0xC3 0xA9 form a UTF-8 multi-byte sequence ('é' in UTF-8) in a file in windows-1252, as the NIM patients layout \"fr\" declares*the file looks like UTF-8*");
    }

    [Fact]
    public void Replacement_characters_already_in_the_text_are_refused()
    {
        var bytes = Encoding.UTF8.GetBytes(EnglishHeader + "\n" + ",N1,Gagnon-B\uFFFDlanger,Eve,1978-03-14,F,,,,,2026-11-20 08:30:00\n");

        var act = () => Check(bytes, Layout("NIM", CsvKind.Patients, "en"));

        act.Should().Throw<CsvFileException>().WithMessage("line 2, column 13: U+FFFD (the replacement character)*");
    }

    [Fact]
    public void C1_control_characters_in_a_latin1_file_are_windows_1252_read_as_iso_8859_1()
    {
        var layouts = CsvLayoutConfiguration.Parse("""
            { "NIM": { "patients": { "delimiter": ";", "encoding": "iso-8859-1", "columns": { "mrn": "mrn", "family": "nom" } } } }
            """, Senders.Establishments);
        // 0x92 is the typographic apostrophe in Windows-1252 and a C1 control character in ISO-8859-1.
        var bytes = Windows1252.GetBytes("mrn;nom\nN1;D’Amour\n");

        var act = () => Check(bytes, layouts.Of("NIM", CsvKind.Patients)[0]);

        act.Should().Throw<CsvFileException>().WithMessage("line 2, column 5: U+0092 is a C1 control character*('’' in windows-1252); the file looks like windows-1252*");
    }

    [Fact]
    public void Bytes_undefined_in_windows_1252_are_refused()
    {
        var bytes = Windows1252.GetBytes(FrenchHeader + "\r\n;N1;X").Concat(new byte[] { 0x81 }).Concat(Windows1252.GetBytes(";M;;;;;;;;;\r\n")).ToArray();

        var act = () => Check(bytes, Layout("NIM", CsvKind.Patients, "fr"));

        act.Should().Throw<CsvFileException>().WithMessage("line 2, column 6: byte 0x81 means nothing in windows-1252*");
    }

    [Fact]
    public void A_good_file_passes_and_its_data_rows_are_counted_quoted_line_breaks_and_blank_lines_aside()
    {
        var bytes = Encoding.UTF8.GetBytes("P-1,BEAH85561512,,1.VA.53.LA-PN,\"Hip\nreplacement\",2026-11-19,,\n\nP-2,,MCQ9,XYZ,Other,2026-11-19,,\nP-3,,MCQ9,XYZ,Other,2026-11-19,,");

        var facts = Check(bytes, Layout("MCQ", CsvKind.Procedures, "en"));

        facts.Rows.Should().Be(3);
        facts.Layout.Name.Should().Be("en");
    }

    [Fact]
    public void A_utf8_byte_order_mark_wins_over_a_single_byte_layout()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(FrenchHeader + "\r\n;N1;Côté;Marie;15/06/1985;Femme;;;;;;\r\n")).ToArray();

        Check(bytes, Layout("NIM", CsvKind.Patients, "fr")).Rows.Should().Be(1);
    }

    [Fact]
    public void The_layout_is_recognised_by_its_header_row()
    {
        var nim = Shipped.Of("NIM", CsvKind.Patients).ToArray();
        nim.Select(l => l.Name).Should().Equal("fr", "en");

        Check(Windows1252.GetBytes(FrenchHeader + "\r\n;N1;Côté;Marie;15/06/1985;Femme;;;;;;\r\n"), nim).Layout.Name.Should().Be("fr");
        Check(Encoding.UTF8.GetBytes(EnglishHeader + "\n,N1,Côté,Marie,1985-06-15,F,,,,,\n"), nim).Layout.Name.Should().Be("en");
    }

    [Fact]
    public void An_unknown_header_is_an_error_listing_the_configured_layouts()
    {
        var act = () => Check(Encoding.UTF8.GetBytes("id,name\n1,x\n"), [.. Shipped.Of("NIM", CsvKind.Patients)]);

        act.Should().Throw<CsvFileException>()
            .WithMessage("the header row matches none of the layouts configured for NIM patients: fr (windows-1252, ';', header NAM;No dossier;*); en (utf-8, ',', header health_number,chart_no,*); name one with --layout*");
    }

    [Fact]
    public void A_header_that_fits_a_layout_only_in_another_encoding_is_refused_as_an_encoding_problem()
    {
        // The French header in UTF-8: "Prénom" read as Windows-1252 is "PrÃ©nom", so no layout fits as declared.
        var act = () => Check(Encoding.UTF8.GetBytes(FrenchHeader + "\r\n;N1;Côté;Marie;15/06/1985;Femme;;;;;;\r\n"), [.. Shipped.Of("NIM", CsvKind.Patients)]);

        act.Should().Throw<CsvFileException>()
            .WithMessage("the header row fits the NIM patients layout \"fr\" only when read as utf-8, not as the windows-1252 it declares*Nothing was imported*");
    }

    [Fact]
    public void A_header_that_fits_several_layouts_is_ambiguous()
    {
        var layouts = CsvLayoutConfiguration.Parse("""
            { "MCQ": { "patients": [
                { "name": "old", "columns": { "mrn": "mrn", "family": "name" } },
                { "name": "new", "columns": { "mrn": "mrn", "family": "name", "given": "given" } } ] } }
            """, Senders.Establishments);

        var act = () => Check(Encoding.UTF8.GetBytes("mrn,name,given\nM1,Roy,Luc\n"), [.. layouts.Of("MCQ", CsvKind.Patients)]);

        act.Should().Throw<CsvFileException>().WithMessage("the header row matches several layouts configured for MCQ patients (old, new)*--layout*");
    }
}
