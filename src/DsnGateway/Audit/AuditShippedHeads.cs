using System.Globalization;
using System.Text.RegularExpressions;

namespace DsnGateway.Audit;

/// <summary>
/// The chain heads an operator kept off the machine, read from a file for <c>audit verify --heads</c>. A line is either
/// a log line of the <c>AuditCheckpoint</c> event in any form the gateway writes it (the JSON log file, the console
/// text, a log shipper's copy of either: the rendered message "Audit checkpoint record N head H" is what is read),
/// or the simple form <c>&lt;seq&gt; &lt;head hash&gt;</c>. Other JSON log lines, blank lines and <c>#</c> comments are
/// skipped; any other line is an error, so a wrong file is not taken for "no heads".
/// </summary>
internal static partial class AuditShippedHeads
{
    /// <summary>(seq, head hash) per line that names one, in file order.</summary>
    /// <exception cref="InvalidDataException">a line is neither a log line nor the simple form, or one seq has two heads.</exception>
    public static IReadOnlyList<(long Seq, string HeadHash)> Read(string path)
    {
        var heads = new Dictionary<long, string>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            var text = line.Trim();
            if (text.Length == 0 || text.StartsWith('#')) continue;
            (long Seq, string Hash)? head = null;
            if (LogLine().Match(text) is { Success: true } logged) head = (Parse(logged.Groups["seq"].Value), logged.Groups["hash"].Value);
            else if (SimpleLine().Match(text) is { Success: true } simple) head = (Parse(simple.Groups["seq"].Value), simple.Groups["hash"].Value);
            else if (!text.StartsWith('{'))
                throw new InvalidDataException($"{path} line {number} is neither an AuditCheckpoint log line nor '<seq> <head hash>' (64 hexadecimal digits).");
            if (head is not { } found) continue;
            if (heads.TryGetValue(found.Seq, out var earlier) && earlier != found.Hash)
                throw new InvalidDataException($"{path} line {number} gives record {found.Seq} a head other than an earlier line's: the file is not one gateway's log.");
            heads[found.Seq] = found.Hash;
        }
        return [.. heads.OrderBy(h => h.Key).Select(h => (h.Key, h.Value))];
    }

    private static long Parse(string digits) =>
        long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var seq) && seq > 0
            ? seq
            : throw new InvalidDataException($"'{digits}' is not a record number.");

    // Serilog's rendered JSON quotes the hash; its console text does not.
    [GeneratedRegex("""Audit checkpoint record (?<seq>[0-9]+) head \\?"?(?<hash>[0-9a-f]{64})\b""")]
    private static partial Regex LogLine();

    [GeneratedRegex("""^(?<seq>[0-9]+)\s+(?<hash>[0-9a-f]{64})$""")]
    private static partial Regex SimpleLine();
}
