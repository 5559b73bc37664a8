namespace DsnGateway.Tests.Observability;

/// <summary>Reads the gateway's JSON log files under a data directory.</summary>
public static class LogFiles
{
    public static string ReadAll(string dataDirectory)
    {
        var folder = Path.Combine(dataDirectory, "logs");
        if (!Directory.Exists(folder)) return "";
        return string.Concat(Directory.GetFiles(folder, "*.json").Select(f =>
        {
            using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }));
    }

    /// <summary>The file sink writes after the response is sent; poll (bounded) until the line is there.</summary>
    public static async Task<string> WaitForLineAsync(string dataDirectory, params string[] needles)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var line = ReadAll(dataDirectory).Split('\n').FirstOrDefault(l => needles.All(n => l.Contains(n, StringComparison.Ordinal)));
            if (line is not null) return line;
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"no log line contains {string.Join(" and ", needles)}");
    }
}
