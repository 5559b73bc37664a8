using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Mapping.Codes;

namespace DsnGateway.Mapping.Tests;

/// <summary>Quebec pharmacy and operating-room messages written for these tests (people, numbers and licences invented).</summary>
internal static class QuebecOrderFixtures
{
    /// <summary>The repository's code maps (config/code-maps.json) over its sender registry.</summary>
    public static CodeMap DefaultCodes() =>
        CodeMapConfiguration.Load(Path.Combine(Path.GetDirectoryName(QuebecFixtures.ConfigPath)!, CodeMapConfiguration.FileName), QuebecFixtures.DefaultSenders().Establishments);

    /// <summary>A message of <paramref name="type"/> (e.g. RDE^O11^RDE_O11) from <paramref name="application"/>/<paramref name="facility"/>, with Marie Côté's PID.</summary>
    public static Hl7Message Message(string type, string application, string facility, string controlId, params string[] segments) =>
        QuebecFixtures.Parse(Text(type, application, facility, controlId, QuebecFixtures.MariePid, segments));

    public static string Text(string type, string application, string facility, string controlId, string pid, params string[] segments) =>
        $"MSH|^~\\&|{application}|{facility}|DSN|DSN|20240716090000||{type}|{controlId}|P|2.5.1|||||CAN|UNICODE UTF-8\r" +
        pid + "\r" + string.Concat(segments.Select(s => s + "\r"));

    /// <summary>
    /// An RXE: RXE-2 the drug, RXE-3/4 minimum and maximum dose, RXE-5 units, RXE-32 the original order time.
    /// </summary>
    public static string Rxe(string drug = "ACET500^Acétaminophène 500 mg^PHARMNIM", string minimum = "500", string maximum = "1000",
        string units = "mg^milligramme^UCUM", string originalOrderTime = "20240716085000", string quantityTiming = "")
    {
        var fields = new string[33];
        Array.Fill(fields, "");
        fields[0] = "RXE";
        fields[1] = quantityTiming;
        fields[2] = drug;
        fields[3] = minimum;
        fields[4] = maximum;
        fields[5] = units;
        fields[32] = originalOrderTime;
        return string.Join('|', fields);
    }

    /// <summary>An ORC: control, placer, filler, status, ORC-7 quantity/timing, ORC-9 time, ORC-12 the prescriber (CMQ licence).</summary>
    public static string Orc(string control = "NW", string placer = "CMD-1001^SIPHARM", string filler = "RX-2001^PHARM", string status = "",
        string timing = "", string transactionTime = "20240716085500", string provider = "12345^Gagnon^Luc^^^Dr^^^CMQ") =>
        $"ORC|{control}|{placer}|{filler}||{status}||{timing}||{transactionTime}|||{provider}";

    public const string Pv1 = "PV1|1|I|MED^301^1^NIM||||12345^Gagnon^Luc^^^Dr^^^CMQ||||||||||||V-778899";

    /// <summary>A PR1: set id, code, description, time, minutes, surgeon, practitioner, PR1-19 identifier.</summary>
    public static string Pr1(string setId = "1", string code = "APPLAP^Appendicectomie laparoscopique^BLOCNIM", string description = "Appendicectomie",
        string time = "20240716081500", string minutes = "", string surgeon = "67890^Lévesque^Hélène^^^Dre^^^CMQ",
        string practitioner = "", string identifier = "", string action = "") =>
        $"PR1|{setId}||{code}|{description}|{time}||{minutes}||||{surgeon}|{practitioner}|||||||{identifier}|{action}";
}
