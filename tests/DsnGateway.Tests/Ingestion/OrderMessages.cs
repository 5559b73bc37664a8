using System.Security.Cryptography;

namespace DsnGateway.Tests.Ingestion;

/// <summary>Fictional Quebec pharmacy and operating-room messages for the end-to-end tests.</summary>
public static class OrderMessages
{
    /// <summary>A NAM nobody else in the test run has: the letters and administrative digits are random (the letters
    /// are not checked), the date part agrees with <paramref name="yymmdd"/> (MM + 50 for women).</summary>
    public static string Nam(string yymmdd)
    {
        var letters = new string(Enumerable.Range(0, 4).Select(_ => (char)('A' + RandomNumberGenerator.GetInt32(26))).ToArray());
        return letters + yymmdd + RandomNumberGenerator.GetInt32(100).ToString("D2");
    }

    public static string Id() => Guid.NewGuid().ToString("N")[..10].ToUpperInvariant();

    public static string Pid(string pid3, string name, string birth, string sex) => $"PID|1||{pid3}||{name}||{birth}|{sex}";

    private static string Msh(string application, string facility, string time, string type, string control) =>
        $"MSH|^~\\&|{application}|{facility}|DSN|DSN|{time}||{type}|{control}|P|2.5.1|||||CAN|UNICODE UTF-8\r";

    /// <summary>RDE^O11: ORC (control, placer, filler, ORC-5), TQ1, RXE (drug, dose, mg), RXR.</summary>
    public static string Rde(string application, string facility, string control, string pid, string orderControl, string placer, string filler,
        string drug, string dose, string orderStatus = "", string time = "20261120090000", string repeat = "BID") =>
        Msh(application, facility, time, "RDE^O11^RDE_O11", control) + pid + "\r" +
        "PV1|1|I|MED^301^1\r" +
        $"ORC|{orderControl}|{placer}|{filler}||{orderStatus}||||{time}|||12345^Gagnon^Luc^^^Dr^^^CMQ\r" +
        $"TQ1|1||{repeat}\r" +
        $"RXE||{drug}|{dose}||mg^mg^UCUM\r" +
        "RXR|PO^Orale^HL70162\r";

    /// <summary>BAR^P12 with one PR1 (code, time, minutes, surgeon, PR1-19).</summary>
    public static string Bar(string application, string facility, string control, string pid, string code, string minutes, string identifier,
        string time = "20261120100000", string visit = "") =>
        Msh(application, facility, time, "BAR^P12^BAR_P12", control) + $"EVN|P12|{time}\r" + pid + "\r" +
        $"PV1|1|I|BLOC^1||||||||||||||||{visit}\r" +
        $"PR1|1||{code}||20261120081500||{minutes}||||67890^Lévesque^Hélène^^^Dre^^^CMQ||||||||{identifier}\r";
}
