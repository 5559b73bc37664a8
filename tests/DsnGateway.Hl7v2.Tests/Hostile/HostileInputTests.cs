using DsnGateway.Hl7v2.Acknowledgements;
using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hl7v2.Segments;
using DsnGateway.Hl7v2.Types;

namespace DsnGateway.Hl7v2.Tests.Hostile;

/// <summary>Malformed and fuzzed input: a result or a structured error, never an exception, never a hang.</summary>
public class HostileInputTests
{
    /// <summary>A hang detector, not a timing assertion: generous enough for a loaded shared machine.</summary>
    private static readonly TimeSpan Watchdog = TimeSpan.FromSeconds(10);

    public static TheoryData<string> BadInputs()
    {
        var data = new TheoryData<string>();
        var root = SharedData.Path("hl7v2", "bad-inputs");
        foreach (var f in Directory.GetFiles(root, "*", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal)) data.Add(Path.GetRelativePath(root, f));
        return data;
    }

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Bad_input_yields_a_result_or_a_structured_error(string file)
    {
        var bytes = await File.ReadAllBytesAsync(Path.Combine(SharedData.Path("hl7v2", "bad-inputs"), file));
        await ExerciseWithinWatchdog(bytes, file);
    }

    [Fact]
    public void Bad_inputs_folder_is_not_empty() => BadInputs().Count.Should().BeGreaterThan(20);

    [Fact]
    public async Task Fuzzed_samples_never_throw_or_hang()
    {
        var random = new Random(20261122);
        var seeds = Directory.GetFiles(SharedData.Path("hl7v2", "fhir-converter", "samples"), "*.hl7")
            .Concat(Directory.GetFiles(SharedData.Path("hl7v2", "misc")))
            .OrderBy(f => f, StringComparer.Ordinal)
            .Select(File.ReadAllBytes)
            .ToArray();
        var work = Task.Run(() =>
        {
            for (var i = 0; i < 3000; i++)
            {
                var input = Mutate(seeds[random.Next(seeds.Length)], random);
                Exercise(input, $"mutation {i}");
            }
        });
        (await Task.WhenAny(work, Task.Delay(TimeSpan.FromMinutes(2)))).Should().BeSameAs(work, "3,000 fuzzed parses must not hang");
        await work;
    }

    private static async Task ExerciseWithinWatchdog(byte[] bytes, string name)
    {
        var work = Task.Run(() => Exercise(bytes, name));
        (await Task.WhenAny(work, Task.Delay(Watchdog))).Should().BeSameAs(work, $"{name} must not hang");
        await work; // rethrows anything that escaped
    }

    /// <summary>Everything a caller does with an incoming message: parse, read the envelope, walk every value, map the typed views, ACK.</summary>
    private static void Exercise(byte[] bytes, string name)
    {
        var result = Hl7Parser.Parse(bytes);
        if (!result.IsSuccess)
        {
            result.Error.Should().NotBeNull(name);
            result.Error!.Message.Should().NotBeNullOrWhiteSpace(name);
            result.Error.Code.Should().BeInRange(100, 207, name);
            AckBuilder.ForParseFailure(result, "X", DateTimeOffset.UnixEpoch).Should().StartWith("MSH");
            return;
        }
        var m = result.Message;
        var total = 0;
        foreach (var segment in m.Segments)
        {
            for (var f = 1; f <= Math.Min(segment.FieldCount, 60); f++)
            {
                foreach (var rep in segment.Repetitions(f).Take(20))
                {
                    for (var c = 1; c <= Math.Min(rep.ComponentCount, 20); c++)
                    {
                        var component = rep.Component(c);
                        for (var s = 1; s <= Math.Min(component.SubComponentCount, 10); s++) total += component.SubComponent(s).Length;
                    }
                }
            }
        }
        var msh = m.Msh;
        _ = (msh.ControlId, msh.Version, msh.MessageCode, msh.TriggerEvent, msh.CharacterSet, msh.SendingApplication, msh.ReceivingFacility);
        if (m.Pid() is { } pid)
        {
            _ = (pid.Identifiers, pid.Names, pid.Addresses, pid.HomePhones, pid.BusinessPhones, pid.PatientId, pid.MaritalStatus);
            Hl7DateTime.TryParse(pid.BirthDateTime, out _, out _);
        }
        _ = (m.Pv1()?.VisitNumber, m.Mrg()?.PriorPatientIdentifiers, m.Orcs().Select(o => o.OrderingProviders).ToList(),
            m.Rxes().Select(r => r.GiveCode).ToList(), m.Pr1s().Select(p => p.Surgeons).ToList());
        Hl7DateTime.TryParse(msh.DateTimeOfMessage, out _, out _);
        AckBuilder.Build(msh, AckCode.AA, "X", DateTimeOffset.UnixEpoch).Should().StartWith("MSH");
        Hl7Parser.Parse(m.ToEr7()).IsSuccess.Should().BeTrue(name);
        total.Should().BeGreaterThanOrEqualTo(0);
    }

    private static readonly byte[][] Inserts =
        [@"\"u8.ToArray(), @"\X"u8.ToArray(), @"\.sp 99999\"u8.ToArray(), "|"u8.ToArray(), "^~\\&"u8.ToArray(), "~~~~"u8.ToArray(), "\r"u8.ToArray(),
         "\n\n"u8.ToArray(), [0xEF, 0xBB, 0xBF], [0xC3], [0xFF, 0xFE], "MSH|"u8.ToArray(), "&&&"u8.ToArray(), [0x00], [0x0B], [0x1C]];

    private static byte[] Mutate(byte[] seed, Random random)
    {
        var data = new List<byte>(seed);
        var rounds = random.Next(1, 5);
        for (var r = 0; r < rounds && data.Count > 0; r++)
        {
            switch (random.Next(7))
            {
                case 0: // flip bytes
                    for (var k = random.Next(1, 8); k > 0; k--) data[random.Next(data.Count)] = (byte)random.Next(256);
                    break;
                case 1: // swap delimiters
                    {
                        var from = "|^~\\&"[random.Next(5)];
                        var to = "|^~\\&#$%*!\r"[random.Next(11)];
                        for (var i = 0; i < data.Count; i++) if (data[i] == from && random.Next(3) == 0) data[i] = (byte)to;
                        break;
                    }
                case 2: // cut a segment out
                    {
                        var lines = Split(data);
                        if (lines.Count > 1) lines.RemoveAt(random.Next(lines.Count));
                        data = Join(lines);
                        break;
                    }
                case 3: // repeat a segment many times
                    {
                        var lines = Split(data);
                        var line = lines[random.Next(lines.Count)];
                        lines.InsertRange(random.Next(lines.Count), Enumerable.Repeat(line, random.Next(2, 200)));
                        data = Join(lines);
                        break;
                    }
                case 4: // insert escape or delimiter characters
                    for (var k = random.Next(1, 6); k > 0; k--) data.InsertRange(random.Next(data.Count + 1), Inserts[random.Next(Inserts.Length)]);
                    break;
                case 5: // truncate
                    data = data.Take(random.Next(data.Count + 1)).ToList();
                    break;
                default: // MSH-18 games
                    {
                        var text = System.Text.Encoding.Latin1.GetString(data.ToArray());
                        var sets = new[] { "8859/1", "ASCII", "UNICODE UTF-8", "FOO", "8859/15", "" };
                        var msh = text.IndexOf('\r') is var e and > 0 ? text[..e] : text;
                        text = msh + "|||||||||||||||||" + sets[random.Next(sets.Length)] + text[msh.Length..];
                        data = System.Text.Encoding.Latin1.GetBytes(text).ToList();
                        break;
                    }
            }
        }
        return [.. data];
    }

    private static List<List<byte>> Split(List<byte> data)
    {
        var lines = new List<List<byte>> { new() };
        foreach (var b in data)
        {
            if (b is (byte)'\r' or (byte)'\n') lines.Add([]);
            else lines[^1].Add(b);
        }
        return lines;
    }

    private static List<byte> Join(List<List<byte>> lines) => lines.SelectMany(l => l.Append((byte)'\r')).ToList();
}
