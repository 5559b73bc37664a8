using System.Runtime.InteropServices;

namespace DsnGateway.Runtime;

/// <summary>
/// The data directory holds patient records, the audit and signing keys: nobody but the account running the gateway
/// reads it. The process's umask is set to 077 before anything is created, so every file it makes (the SQLite
/// databases with their -wal and -shm files, the logs, the keys, a command's rejects file) is 0600 and every
/// directory 0700, whatever library creates them; the data directory itself is made (or tightened to) 0700.
/// </summary>
internal static class PrivateFiles
{
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Files and directories created from now on by this process are private to its user.</summary>
    public static void Apply()
    {
        if (OperatingSystem.IsWindows()) return;
        _ = umask(0b000_111_111); // 077
    }

    /// <summary>Creates the directory (and its parents) 0700, or tightens an existing one to 0700.</summary>
    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }
        Directory.CreateDirectory(path, OwnerOnlyDirectory);
        if ((File.GetUnixFileMode(path) & ~OwnerOnlyDirectory) != 0) File.SetUnixFileMode(path, OwnerOnlyDirectory);
    }

    [DllImport("libc", EntryPoint = "umask")]
    private static extern int umask(int mask);
}
