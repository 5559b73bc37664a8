using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace DsnGateway.Runtime;

/// <summary>
/// What can be checked before a server touches anything: the data and configuration directories, the listen addresses
/// and whether their ports are free (the options themselves are checked by their validators, see <see cref="ValidatedOptions"/>). Each problem is one line saying what to change; a start
/// refused here has created nothing in the data directory.
/// </summary>
internal static class StartupChecks
{
    /// <summary>The data directory is a writable directory, or can be created.</summary>
    public static string? DataDirectory(string path)
    {
        if (File.Exists(path)) return $"--data-dir {path} is a file, not a directory.";
        var existing = path;
        while (!Directory.Exists(existing))
        {
            var parent = Path.GetDirectoryName(existing);
            if (parent is null) return $"--data-dir {path} cannot be created.";
            if (File.Exists(parent)) return $"--data-dir {path} cannot be created: {parent} is a file.";
            existing = parent;
        }
        if (IsWritable(existing)) return null;
        return existing == path
            ? $"--data-dir {path} is not writable by this user."
            : $"--data-dir {path} cannot be created: {existing} is not writable by this user.";
    }

    /// <summary>The configuration directory exists and holds gateway.json.</summary>
    public static string? ConfigDirectory(string path) =>
        !Directory.Exists(path) ? $"--config-dir {path} does not exist (it holds gateway.json, senders.json and the other configuration files)."
        : !File.Exists(Path.Combine(path, "gateway.json")) ? $"--config-dir {path} has no gateway.json."
        : null;

    /// <summary>
    /// An MLLP endpoint is host:port with the port spelled out (IPEndPoint alone would read "2575" as the address
    /// 0.0.10.15) and a host the listener can bind (an IP address or localhost).
    /// </summary>
    public static bool IsMllpEndpoint(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > IPEndPoint.MaxPort)
            return false;
        try
        {
            MllpEndpoint(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// An MLLP endpoint as the listener binds it: an IP endpoint, or localhost:port. Here with the HTTP listen
    /// addresses so that every listen address is read in one place the options validators can use.
    /// </summary>
    /// <exception cref="FormatException">not a host:port MLLP endpoint.</exception>
    public static IPEndPoint MllpEndpoint(string text) =>
        IPEndPoint.TryParse(text, out var endpoint) ? endpoint
        : text.Split(':') is [var host, var port] && host == "localhost" && int.TryParse(port, out var p) ? new IPEndPoint(IPAddress.Loopback, p)
        : throw new FormatException($"'{text}' is not a host:port MLLP endpoint (e.g. 127.0.0.1:2575).");

    /// <summary>The HTTP listen addresses (<c>;</c>-separated, as Kestrel takes them), or null when one is not an address.</summary>
    private static List<IPEndPoint>? HttpEndpoints(string urls)
    {
        var endpoints = new List<IPEndPoint>();
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            BindingAddress address;
            try
            {
                address = BindingAddress.Parse(url);
            }
            catch (FormatException)
            {
                return null;
            }
            if (address.IsUnixPipe || address.Port is < 0 or > IPEndPoint.MaxPort) return null;
            var host = address.Host.Trim('[', ']');
            var ip = string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
                : IPAddress.TryParse(host, out var literal) ? literal
                : IPAddress.Any; // "*", "+" or a host name: Kestrel listens on every interface
            endpoints.Add(new IPEndPoint(ip, address.Port));
        }
        return endpoints;
    }

    /// <summary>Listen addresses as Kestrel takes them (<c>;</c>-separated URLs with an IP address, localhost, a host name or <c>*</c>).</summary>
    public static bool IsListenAddress(string? urls) => urls is not null && HttpEndpoints(urls) is { Count: > 0 };

    /// <summary>True when every listen address is a loopback one (only this machine reaches it); false for any other or a malformed one.</summary>
    public static bool IsLoopbackOnly(string urls) =>
        HttpEndpoints(urls) is { Count: > 0 } endpoints && endpoints.All(e => IPAddress.IsLoopback(e.Address));

    /// <summary>The HTTP listen addresses' ports already in use, one line each; null when one is not an address (the caller says whose fault).</summary>
    public static List<string>? HttpPortProblems(string urls, string option) =>
        HttpEndpoints(urls)?.Select(endpoint => PortProblem("HTTP", endpoint, option)).OfType<string>().ToList();

    /// <summary>Whether the port can be listened on now (port 0, "any free port", always can); says which one and why not.</summary>
    public static string? PortProblem(string protocol, IPEndPoint endpoint, string option)
    {
        if (endpoint.Port == 0) return null;
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(endpoint);
            return null;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return $"{protocol} port {endpoint.Port} ({endpoint}) is already in use by another program: stop it, or choose another port with {option}.";
        }
        catch (SocketException ex)
        {
            return $"{protocol} cannot listen on {endpoint}: {ex.Message} (choose another address with {option}).";
        }
    }

    private static bool IsWritable(string directory)
    {
        // A probe file, gone when closed: permission bits alone do not tell (root, ACLs, read-only mounts).
        try
        {
            using var probe = new FileStream(Path.Combine(directory, $".dsn-write-probe-{Environment.ProcessId}"), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
