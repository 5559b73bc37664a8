namespace DsnGateway.Ingestion.Csv;

/// <summary>
/// A copy of a stream that cannot seek (a request body, a pipe) in a temporary file only its owner may read (it holds
/// patient data), deleted when closed: the first pass over an export needs the whole file before any row is admitted.
/// </summary>
internal static class CsvSpool
{
    public static async Task<FileStream> CopyAsync(Stream input, CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            Options = FileOptions.DeleteOnClose | FileOptions.Asynchronous,
            BufferSize = 1 << 16,
        };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        var file = new FileStream(Path.Combine(Path.GetTempPath(), $"dsn-csv-{Guid.NewGuid():N}.spool"), options);
        try
        {
            await input.CopyToAsync(file, cancellationToken);
            await file.FlushAsync(cancellationToken);
            file.Position = 0;
            return file;
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }
}
