using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using DsnGateway.Fhir.Serialization;
using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Mapping.Bundles;
using DsnGateway.Mapping.Establishments;
using DsnGateway.Testing;

namespace DsnGateway.Benchmarks;

/// <summary>
/// The intake's CPU path for ADT, one stage at a time: parse (<see cref="Hl7Parser"/>), map to a FHIR transaction
/// Bundle (<see cref="AdtBundleBuilder"/>), serialise the Bundle (<see cref="FhirJson"/>, what the intake stores).
/// Every invocation processes the whole message set, so messages per second = messages per op / mean.
/// <list type="bullet">
/// <item><see cref="Parse"/>: the FHIR-Converter ADT samples (../shared/hl7v2/fhir-converter/samples/ADT*) and the
/// fictional Quebec ADT messages.</item>
/// <item><see cref="ParseAndMap"/>, <see cref="ParseAndMapAndSerialize"/>: the fictional Quebec messages only (senders
/// of config/senders.json); the FHIR-Converter samples come from senders the gateway does not register.</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 5)]
public class ParseAndMapBenchmarks
{
    private static readonly DateTimeOffset ReceivedAt = new(2026, 11, 20, 13, 30, 0, TimeSpan.Zero);

    private byte[][] _parseSet = [];
    private byte[][] _mapSet = [];
    private AdtBundleBuilder _builder = null!;

    [GlobalSetup]
    public void Setup()
    {
        _builder = new AdtBundleBuilder(SenderConfiguration.Load(Path.Combine(DsnGateway.Testing.Repository.Root, "config", "senders.json")));

        var samples = Directory.GetFiles(SharedData.Path("hl7v2", "fhir-converter", "samples"), "ADT*")
            .Order(StringComparer.Ordinal)
            .Select(File.ReadAllBytes)
            .ToArray();
        var quebec = QuebecAdt.Messages().ToArray();
        _parseSet = [.. samples, .. quebec];
        _mapSet = quebec;

        // A benchmark of failures would measure the error path: check that every message goes all the way.
        foreach (var bytes in _parseSet)
        {
            var parsed = Hl7Parser.Parse(bytes);
            if (!parsed.IsSuccess) throw new InvalidOperationException($"Sample does not parse: {parsed.Error}");
        }
        foreach (var bytes in _mapSet)
        {
            var mapped = _builder.Build(Hl7Parser.Parse(bytes).Message!, ReceivedAt);
            if (!mapped.IsSuccess) throw new InvalidOperationException($"Quebec message does not map: {mapped.Error}");
        }
        Console.WriteLine($"// Message set: Parse {_parseSet.Length} messages ({samples.Length} FHIR-Converter ADT samples + {quebec.Length} Quebec); " +
                          $"ParseAndMap and ParseAndMapAndSerialize {_mapSet.Length} Quebec messages.");
    }


    [Benchmark]
    public int Parse()
    {
        var segments = 0;
        foreach (var bytes in _parseSet) segments += Hl7Parser.Parse(bytes).Message!.Segments.Count;
        return segments;
    }

    [Benchmark]
    public int ParseAndMap()
    {
        var entries = 0;
        foreach (var bytes in _mapSet)
        {
            var mapped = _builder.Build(Hl7Parser.Parse(bytes).Message!, ReceivedAt);
            entries += mapped.Value!.Bundle.Entry.Count;
        }
        return entries;
    }

    [Benchmark]
    public int ParseAndMapAndSerialize()
    {
        var chars = 0;
        foreach (var bytes in _mapSet)
        {
            var mapped = _builder.Build(Hl7Parser.Parse(bytes).Message!, ReceivedAt);
            chars += FhirJson.Serialize(mapped.Value!.Bundle).Length;
        }
        return chars;
    }
}

/// <summary>
/// Fictional Quebec ADT messages from the senders of config/senders.json (the shape of the ingestion tests'
/// AdtMessages.A01): RAMQ health insurance numbers and MRNs, accented names, UTF-8 and ISO 8859-1.
/// </summary>
internal static class QuebecAdt
{
    // Fictional people; Ramq is the fictional RAMQ number's letters (three of the family name, one of the given name).
    private static readonly (string Family, string Given, string Ramq, string Birth, string Sex)[] People =
    [
        ("Tremblay", "Jean", "TREJ", "19620415", "M"), ("Côté", "Hélène", "COTH", "19650303", "F"),
        ("Gagnon", "Éric", "GAGE", "19780921", "M"), ("Bouchard", "Marie-Ève", "BOUM", "19901102", "F"),
        ("Lévesque", "François", "LEVF", "19551230", "M"), ("Girard", "Marie", "GIRM", "19801224", "F"),
        ("Bélanger", "Noémie", "BELN", "20010707", "F"), ("Pelletier", "Stéphane", "PELS", "19730118", "M"),
        ("Roy", "Léa", "ROYL", "20150610", "F"), ("Morin", "Gaëtan", "MORG", "19490829", "M"),
        ("Fortin", "Chloé", "FORC", "19981005", "F"), ("Gauthier", "Benoît", "GAUB", "19670214", "M"),
    ];

    private static readonly string[] Triggers = ["A01", "A04", "A08"];

    public static IEnumerable<byte[]> Messages()
    {
        for (var i = 0; i < People.Length; i++)
        {
            var (family, given, letters, birth, sex) = People[i];
            var site = i % 2 == 0 ? "NIM" : "MCQ";
            var trigger = Triggers[i % Triggers.Length];
            // RAMQ: four letters, YYMMDD (month + 50 for women), two digits.
            var month = int.Parse(birth[4..6], System.Globalization.CultureInfo.InvariantCulture) + (sex == "F" ? 50 : 0);
            var ramq = $"{letters}{birth[2..4]}{month:D2}{birth[6..8]}1{i % 10}";
            var pid3 = $"{ramq}^^^RAMQ^JHN~{site}{100000 + i}^^^{site}^MR";
            var latin1 = i % 4 == 3;
            var message = A01($"ADT_{site}", site, $"BENCH{i:D4}", pid3, $"{family}^{given}", birth, sex, trigger,
                latin1 ? "8859/1" : "UNICODE UTF-8");
            yield return latin1 ? Encoding.Latin1.GetBytes(message) : Encoding.UTF8.GetBytes(message);
        }
    }

    // As tests/DsnGateway.Tests/Ingestion/MllpTestClient.cs AdtMessages.A01.
    private static string A01(string application, string facility, string controlId, string pid3, string name, string birth, string sex,
        string trigger, string charset, string time = "20261120083000") =>
        $"MSH|^~\\&|{application}|{facility}|DSN|DSN|{time}||ADT^{trigger}^ADT_A01|{controlId}|P|2.5.1|||||CA|{charset}\r" +
        $"EVN|{trigger}|{time}\r" +
        $"PID|1||{pid3}||{name}||{birth}|{sex}|||1234 rue Fictive^^Montréal^QC^H2X 1Y4^CAN^H\r" +
        "PV1|1|I|7N^712^1\r";
}
