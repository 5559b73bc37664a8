using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Mapping.Establishments;

namespace DsnGateway.Mapping.Tests;

/// <summary>Quebec ADT messages written for these tests (people, NAMs and MRNs are invented).</summary>
internal static class QuebecFixtures
{
    /// <summary>The default configuration of the repository: NIM and MCQ with their ADT, pharmacy and OR senders.</summary>
    public static SenderRegistry DefaultSenders() => SenderConfiguration.Load(ConfigPath);

    public static string ConfigPath
    {
        get
        {
            // The test runs in tests/DsnGateway.Mapping.Tests/bin/...; config/ sits at the repository root.
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "config", "senders.json");
                if (File.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "DsnGateway.sln"))) return candidate;
            }
            throw new InvalidOperationException("config/senders.json not found above " + AppContext.BaseDirectory);
        }
    }

    public const string MarieNam = "COTM85561512"; // Côté Marie, 1985-06-15, F (month 06 + 50)
    public const string JeanNam = "BELJ72110321";  // Bélanger Jean, 1972-11-03, M

    /// <summary>ADT^A01 from NIM: NAM (with spaces, as keyed), NIM MRN, MCQ MRN, a lab id; two names; address; phones; e-mail.</summary>
    public static string MarieA01(string trigger = "A01", string controlId = "NIM-0001", string msh7 = "20240715103000", string pid = MariePid) =>
        $"MSH|^~\\&|ADT_NIM|NIM|DSN|DSN|{msh7}||ADT^{trigger}^ADT_A01|{controlId}|P|2.5.1\r" +
        $"EVN|{trigger}|{msh7}\r" +
        pid + "\r" +
        "PV1|1|I|MED^301^1^NIM||||12345^Gagnon^Luc^^^Dr^^^CMQ\r";

    public const string MariePid =
        "PID|1||1234567^^^NIM^MR~COTM 8556 1512^^^RAMQ^JHN~998877^^^MCQ^MR~55555^^^LAB^PI||" +
        "Côté^Marie^Josée^^Mme^^L~Tremblay^Marie^^^^^M||19850615|F|||" +
        "1234 rue Sainte-Catherine Est^App. 5^Montréal^QC^h2l-2c4^CAN^H~C.P. 42^^Trois-Rivières^QC^G9A 5H7^CAN^M||" +
        "^PRN^PH^^1^514^5551234~^NET^Internet^marie.cote@example.ca~^PRN^CP^^1^514^5550000|^WPN^PH^^1^514^5559876^22|" +
        "fra^Français^HL70296|M^Marié";

    /// <summary>Jean Bélanger, M, ISO-8859-1 (MSH-18 8859/1), from MCQ, with a NAM in CX.5 NAM and an MCQ MRN.</summary>
    public static string JeanA04Latin1Text(string deathDateTime = "") =>
        "MSH|^~\\&|ADT_MCQ|MCQ|DSN|DSN|20240115080000||ADT^A04^ADT_A01|MCQ-77|P|2.5.1|||||CAN|8859/1\r" +
        "EVN|A04|20240115080000\r" +
        $"PID|1||A-0042^^^MCQ^MR~BELJ72110321^^^^NAM||Bélanger^Jean^François^Jr||19721103|M|||12 rue de l'Église^^Québec^QC^G1R 4P5^CAN^H||(418)555-0199^PRN^PH||||||||||||||||{deathDateTime}\r" +
        "PV1|1|O\r";

    public static byte[] Latin1Bytes(string text) => System.Text.Encoding.Latin1.GetBytes(text);

    public static Hl7Message Parse(string er7)
    {
        var result = Hl7Parser.Parse(er7);
        result.IsSuccess.Should().BeTrue(result.Error?.ToString());
        return result.Message!;
    }

    public static Hl7Message Parse(byte[] bytes)
    {
        var result = Hl7Parser.Parse(bytes);
        result.IsSuccess.Should().BeTrue(result.Error?.ToString());
        return result.Message!;
    }
}
