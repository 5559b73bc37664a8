namespace DsnGateway.Hl7v2.Tests;

/// <summary>Finds the third-party data in ../shared beside the repository (see the README).</summary>
public static class SharedData
{
    public static string Root { get; } = Locate();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "shared", "DESIGN.md");
            if (dir.GetFiles("DsnGateway.sln").Length > 0)
            {
                var beside = System.IO.Path.Combine(dir.Parent!.FullName, "shared");
                if (Directory.Exists(beside)) return beside;
                throw new DirectoryNotFoundException($"These tests need ../shared beside the repository ({beside}).");
            }
            if (File.Exists(candidate)) return System.IO.Path.GetDirectoryName(candidate)!;
        }
        throw new DirectoryNotFoundException("Could not find the repository root (DsnGateway.sln) above the test binaries.");
    }
}
