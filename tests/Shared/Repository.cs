namespace DsnGateway.Testing;

/// <summary>The repository's root (the directory holding DsnGateway.sln), found above the running test or benchmark binaries.</summary>
public static class Repository
{
    public static string Root { get; } = Locate();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (dir.GetFiles("DsnGateway.sln").Length > 0) return dir.FullName;
        throw new DirectoryNotFoundException("Could not find the repository root (DsnGateway.sln) above the binaries.");
    }
}
