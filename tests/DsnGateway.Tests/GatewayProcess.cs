using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace DsnGateway.Tests;

/// <summary>The real gateway executable as a child process, the way an operator runs it.</summary>
public sealed partial class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private GatewayProcess(Process process) => _process = process;

    /// <summary>Standard output alone (commands such as token print their result there and nothing else).</summary>
    public string StandardOutput
    {
        get { lock (_stdout) return _stdout.ToString(); }
    }

    /// <summary>Standard error alone (notes, refusals and progress that must not mix with a command's result).</summary>
    public string StandardError
    {
        get { lock (_stderr) return _stderr.ToString(); }
    }

    public static string Executable => Path.Combine(AppContext.BaseDirectory, "DsnGateway.dll");

    public int Id => _process.Id;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <param name="variables">More environment variables for the child (e.g. a test fault point).</param>
    public static GatewayProcess Start(IEnumerable<string> arguments, string environment = "Development", string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? variables = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(Executable);
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        info.Environment["DOTNET_ENVIRONMENT"] = environment;
        info.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        foreach (var (name, value) in variables ?? new Dictionary<string, string>()) info.Environment[name] = value;
        var gateway = new GatewayProcess(new Process { StartInfo = info, EnableRaisingEvents = true });
        gateway._process.OutputDataReceived += (_, e) =>
        {
            gateway.Append(e.Data);
            if (e.Data is not null) lock (gateway._stdout) gateway._stdout.AppendLine(e.Data);
        };
        gateway._process.ErrorDataReceived += (_, e) =>
        {
            gateway.Append(e.Data);
            if (e.Data is not null) lock (gateway._stderr) gateway._stderr.AppendLine(e.Data);
        };
        gateway._process.Exited += (_, _) => gateway._listening.TrySetException(new InvalidOperationException("the gateway exited"));
        gateway._process.Start();
        gateway._process.BeginOutputReadLine();
        gateway._process.BeginErrorReadLine();
        return gateway;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
        var m = Listening().Match(line);
        if (m.Success) _listening.TrySetResult(new Uri(m.Groups["url"].Value.TrimEnd('/') + "/"));
    }

    /// <summary>The address it listens on, once it says so (a generous bound: a hang detector, not a timing check).</summary>
    public async Task<Uri> WaitUntilListeningAsync()
    {
        var finished = await Task.WhenAny(_listening.Task, Task.Delay(TimeSpan.FromSeconds(60)));
        if (finished != _listening.Task) throw new TimeoutException("The gateway did not start listening:\n" + Output);
        try
        {
            return await _listening.Task;
        }
        catch (InvalidOperationException)
        {
            throw new InvalidOperationException("The gateway exited before listening:\n" + Output);
        }
    }

    /// <summary>Runs the <c>token</c> command for a data directory and returns what it printed.</summary>
    public static async Task<string> TokenAsync(string dataDirectory, params string[] options)
    {
        await using var command = Start(["token", "--data-dir", dataDirectory, .. options]);
        var exit = await command.WaitForExitAsync();
        if (exit != 0) throw new InvalidOperationException($"token exited {exit}: {command.Output}");
        return command.StandardOutput.Trim();
    }

    /// <summary>The MLLP port, from the line the gateway logs when its listener is bound.</summary>
    public async Task<int> WaitForMllpPortAsync()
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            var m = MllpListening().Match(Output);
            if (m.Success) return int.Parse(m.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture);
            await Task.Delay(100);
        }
        throw new TimeoutException("The gateway did not report its MLLP port:\n" + Output);
    }

    /// <param name="timeout">How long before the command is taken for hung (a minute unless said otherwise).</param>
    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(deadline.Token);
        // The asynchronous readers may still be draining; WaitForExit() without a timeout waits for them.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no shutdown, no flush, as a power cut or an OOM kill would do.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    [GeneratedRegex(@"MLLP listening on [0-9.]+:(?<port>[0-9]+)")]
    private static partial Regex MllpListening();

    [GeneratedRegex(@"Now listening on: (?<url>http://\S+)")]
    private static partial Regex Listening();
}
