using System.Text;
using System.Text.Json;

namespace DsnGateway.Audit;

/// <summary>
/// The requests refused (503) because audit.db could not be written, kept where they do not depend on it: an
/// append-only file of this instance in its data directory (<c>audit-fallback.jsonl</c>, one JSON line per request,
/// flushed to disk before the caller is answered). When the store takes records again the writer turns each into an
/// AuditEvent, once (the ids taken are recorded with the events). The file is the instance's: lost with its disk,
/// which the README and docs/arch/0014 say.
/// </summary>
internal sealed class AuditFallbackFile
{
    public const string FileName = "audit-fallback.jsonl";

    private readonly Lock _gate = new();

    public AuditFallbackFile(string path) => FilePath = path;

    public string FilePath { get; }

    public bool HasEntries
    {
        get
        {
            lock (_gate) return File.Exists(FilePath) && new FileInfo(FilePath).Length > 0;
        }
    }

    /// <summary>Appends the records, each under a new id, and flushes them to disk.</summary>
    /// <exception cref="IOException">the file cannot be written either.</exception>
    public void Append(IEnumerable<AuditRecord> records)
    {
        lock (_gate)
        {
            using var stream = new FileStream(FilePath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
            // A line cut by a crash mid-append is ended, so the next entry starts a line of its own.
            if (stream.Length > 0)
            {
                stream.Seek(-1, SeekOrigin.End);
                if (stream.ReadByte() != '\n') stream.WriteByte((byte)'\n');
            }
            stream.Seek(0, SeekOrigin.End);
            foreach (var record in records)
            {
                var entry = new AuditFallbackEntry(Guid.NewGuid().ToString("N"), record);
                stream.Write(JsonSerializer.SerializeToUtf8Bytes(entry));
                stream.WriteByte((byte)'\n');
            }
            stream.Flush(flushToDisk: true);
        }
    }

    /// <summary>The entries kept, in the order they were refused; a line a crash cut short is skipped.</summary>
    public IReadOnlyList<AuditFallbackEntry> Read()
    {
        lock (_gate) return ReadEntries();
    }

    private List<AuditFallbackEntry> ReadEntries()
    {
        if (!File.Exists(FilePath)) return [];
        var entries = new List<AuditFallbackEntry>();
        foreach (var line in File.ReadLines(FilePath, Encoding.UTF8))
        {
            if (line.Length == 0) continue;
            try
            {
                if (JsonSerializer.Deserialize<AuditFallbackEntry>(line) is { Id: not null, Record: not null } entry) entries.Add(entry);
            }
            catch (JsonException)
            {
                // Only a crash mid-append cuts a line short, and then its caller had no answer yet.
            }
        }
        return entries;
    }

    /// <summary>
    /// Removes the entries now in the chain. The rest (appended meanwhile) is written beside and moved over the file,
    /// so a crash leaves either file whole; the ids recorded with the events keep an entry left behind from being
    /// written twice.
    /// </summary>
    public void Remove(IReadOnlyCollection<string> ids)
    {
        lock (_gate)
        {
            var keep = ReadEntries().Where(e => !ids.Contains(e.Id)).ToList();
            if (keep.Count == 0)
            {
                File.Delete(FilePath);
                return;
            }
            var temporary = FilePath + ".tmp";
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                foreach (var entry in keep)
                {
                    stream.Write(JsonSerializer.SerializeToUtf8Bytes(entry));
                    stream.WriteByte((byte)'\n');
                }
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, FilePath, overwrite: true);
        }
    }
}

/// <summary>One refused request kept in the <see cref="AuditFallbackFile"/>.</summary>
internal sealed record AuditFallbackEntry(string Id, AuditRecord Record);
