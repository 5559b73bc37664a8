using System.Text;

namespace DsnGateway.Tests.Ingestion.Csv;

/// <summary>Invented exports in the two layouts of the default configuration (NIM French, MCQ English).</summary>
public static class CsvFixtures
{
    static CsvFixtures() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public static Encoding Windows1252 => Encoding.GetEncoding(1252);

    public const string FrenchPatientHeader =
        "NAM;No dossier;Nom;Prénom;Date de naissance;Sexe;Adresse;Ville;Province;Code postal;Téléphone;Date d'extraction";

    public const string FrenchOrderHeader =
        "NAM;No dossier;No ordonnance;No pharmacie;Code médicament;Médicament;Dose;Unité;Voie;Posologie;Statut;Date de prescription;Permis prescripteur;Prescripteur";

    public const string FrenchProcedureHeader =
        "NAM;No dossier;No intervention;Code intervention;Intervention;Date intervention;Statut;Permis chirurgien;Chirurgien";

    public const string EnglishPatientHeader =
        "health_number,mrn,last_name,first_name,dob,sex,street,city,province,postal_code,phone,extracted_at";

    /// <summary>A French export: Windows-1252 bytes, CRLF.</summary>
    public static byte[] French(string header, params string[] rows) => Windows1252.GetBytes(string.Join("\r\n", [header, .. rows]) + "\r\n");

    /// <summary>An English export: UTF-8 bytes, LF.</summary>
    public static byte[] English(string? header, params string[] rows) =>
        Encoding.UTF8.GetBytes(string.Join("\n", header is null ? rows : [header, .. rows]) + "\n");

    /// <summary>A NAM for an invented person: letters, birth date (month + 50 for women), two digits.</summary>
    public static string Nam(string letters, DateOnly birth, bool female, int suffix) =>
        $"{letters}{birth.Year % 100:D2}{birth.Month + (female ? 50 : 0):D2}{birth.Day:D2}{suffix % 100:D2}";
}
