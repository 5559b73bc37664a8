using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using DsnGateway.Fhir.Primitives;
using DsnGateway.Mapping.Codes;
using DsnGateway.Mapping.Csv;
using DsnGateway.Mapping.Identity;
using DsnGateway.Mapping.Patients;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace DsnGateway.Ingestion.Csv;

/// <summary>
/// Imports an export file into the durable inbox, with the HL7 channel's guarantees: every accepted row is a
/// message committed (group commit) before the import returns, delivered later per patient in order.
/// The file is streamed: a reader maps rows into a bounded queue while batches are resolved and committed, so
/// memory does not grow with the file (except 16 bytes per row for duplicate-key detection). A batch is admitted
/// with <see cref="InboxWriter.AdmitBatchAsync"/> (one transaction), and the next batch is resolved and built while
/// it commits; only one batch is ever being committed, so batches are committed in file order.
/// Before any row, a first pass over the whole file (<see cref="CsvFileCheck"/>; a stream that cannot seek, such as a
/// request body or a pipe, is spooled to a private temporary file, deleted afterwards) picks the layout and refuses a
/// file whose text is not in the layout's encoding: nothing of it is admitted.
/// A row's control id is its business key plus a hash of its decoded text: importing a file again finds every row
/// already there (nothing changes, whatever the bytes), a row whose text changed (a corrected file) is a new message
/// that updates the records of the earlier one (counted as updated), and an import killed half-way is finished by
/// running it again, each row applied once.
/// </summary>
internal sealed partial class CsvImporter(CodeMap codes, InboxWriter inbox, PatientDirectory directory, CsvImportHistory history, TimeProvider clock,
    ILogger<CsvImporter> logger)
{
    /// <summary>Rows resolved and admitted together: identity look-ups are one query per batch, and the batch is one
    /// inbox transaction (one fsync).</summary>
    public const int BatchSize = 2048;

    private readonly InboxWriter _inbox = inbox;
    private readonly PatientDirectory _directory = directory;
    private readonly CsvImportHistory _history = history;

    /// <param name="layouts">The layouts the file may be in (one establishment and kind): the only one, or the one its header row fits.</param>
    /// <exception cref="CsvFileException">the file fits no layout, or its text is not in the layout's encoding: nothing was admitted.</exception>
    public async Task<CsvImportResult> ImportAsync(IReadOnlyList<CsvLayout> layouts, Stream input, string fileName, Func<CsvReject, ValueTask> onReject,
        IProgress<CsvImportProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(layouts);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(onReject);
        await using var spooled = input.CanSeek ? null : await CsvSpool.CopyAsync(input, cancellationToken);
        var file = spooled ?? input;
        var facts = CsvFileCheck.Run(file, layouts);
        var layout = facts.Layout;
        var source = new CsvSource(layout.Establishment, layout.Kind, Path.GetFileName(fileName), clock.GetUtcNow());
        var run = new Run(this, layout, source, onReject);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channel = Channel.CreateBounded<CsvRowResult>(new BoundedChannelOptions(BatchSize) { SingleReader = true, SingleWriter = true });
        var producer = Task.Run(async () =>
        {
            try
            {
                using var reader = new CsvFileReader(file, layout);
                var mapper = new CsvRowMapper(layout, codes);
                await foreach (var row in reader.ReadRowsAsync(stop.Token)) await channel.Writer.WriteAsync(mapper.Map(row), stop.Token);
                channel.Writer.Complete();
            }
            catch (Exception ex)
            {
                channel.Writer.Complete(ex);
            }
        }, CancellationToken.None);

        // While a batch commits (the inbox's fsync), the next one is resolved and built: at most one batch in flight.
        Task? committing = null;
        try
        {
            // A batch is whatever is ready, up to BatchSize: a slow source (a pipe, a request body) is committed as it comes.
            while (await channel.Reader.WaitToReadAsync(stop.Token))
            {
                var batch = new List<CsvRowResult>(BatchSize);
                while (batch.Count < BatchSize && channel.Reader.TryRead(out var item)) batch.Add(item);
                var prepared = await run.PrepareAsync(batch, stop.Token);
                if (committing is not null) await committing;
                committing = CommitAsync(prepared);
            }
            if (committing is not null) await committing;
        }
        catch
        {
            await stop.CancelAsync();
            // Nothing of this import runs once it returns: the batch in flight is finished (or failed) first.
            if (committing is not null) await committing.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            await producer;
            Log.Failed(logger, CsvKinds.Name(layout.Kind), layout.Establishment.Code, run.Accepted, run.Rejected);
            throw;
        }

        async Task CommitAsync(PreparedBatch prepared)
        {
            await run.CommitAsync(prepared, stop.Token);
            // After the commit, against the rows the first pass counted: 100 % means every row is done.
            progress?.Report(new CsvImportProgress(run.Accepted + run.Rejected, run.Accepted, run.Rejected, facts.Rows));
        }
        await producer;
        Log.Imported(logger, CsvKinds.Name(layout.Kind), layout.Establishment.Code, run.Accepted, run.New, run.Rejected);
        return new CsvImportResult(run.Accepted, run.New, run.Updated, run.Accepted - run.New - run.Updated, run.Rejected, run.Unmapped, layout.Name);
    }

    /// <summary>A batch checked and built, ready to admit: the accepted rows and their messages, in line order.</summary>
    /// <param name="Imported">Business keys of <paramref name="Records"/> an earlier import already brought (with other text, or the same).</param>
    private sealed record PreparedBatch(List<CsvRecord> Records, List<AcceptedMessage> Messages, HashSet<string> Imported, int Rejected);

    /// <summary>The state of one import: counts, keys seen, identities bound by rows not yet committed.</summary>
    private sealed class Run(CsvImporter importer, CsvLayout layout, CsvSource source, Func<CsvReject, ValueTask> onReject)
    {
        // 16 bytes per business key, with the line that first had it (for the reject's reason).
        private readonly Dictionary<UInt128, long> _seen = [];

        public long Accepted { get; private set; }
        public long New { get; private set; }
        public long Updated { get; private set; }
        public long Rejected { get; private set; }
        public Dictionary<UnmappedCode, long> Unmapped { get; } = [];

        // A batch's rejects are reported together, in line order (mapping faults are found before identity ones).
        private readonly List<CsvReject> _rejects = [];

        // Identities bound by the rows of the batch being committed (not yet in the index when the next batch is
        // resolved): a later row disagreeing with one of them is caught as if they were committed.
        private Dictionary<string, KnownPatient> _boundInFlight = new(StringComparer.Ordinal);

        /// <summary>
        /// Checks, resolves and builds a batch: its rejects are reported (in line order), its accepted rows become
        /// messages. Nothing is written.
        /// </summary>
        public async Task<PreparedBatch> PrepareAsync(List<CsvRowResult> batch, CancellationToken cancellationToken)
        {
            try
            {
                var prepared = await ResolveAsync(batch, cancellationToken);
                var imported = await importer._history.ImportedKeysAsync(source.SenderApplication, layout.Establishment.Code,
                    prepared.Records.Select(r => r.BusinessKey).ToList(), cancellationToken);
                return prepared with { Imported = imported, Rejected = _rejects.Count };
            }
            finally
            {
                _rejects.Sort((a, b) => a.Line.CompareTo(b.Line));
                foreach (var reject in _rejects) await onReject(reject);
                _rejects.Clear();
            }
        }

        /// <summary>Admits a prepared batch in one inbox transaction; counts it once committed.</summary>
        public async Task CommitAsync(PreparedBatch prepared, CancellationToken cancellationToken)
        {
            var admissions = prepared.Messages.Count == 0 ? [] : await importer._inbox.AdmitBatchAsync(prepared.Messages, cancellationToken);
            // Counted with their batch, so the progress lines and the summary add up to the rows committed.
            Rejected += prepared.Rejected;
            for (var i = 0; i < admissions.Count; i++)
            {
                Accepted++;
                // Duplicate: the same row was committed by an earlier import. ControlIdReused: the same key and text in
                // other bytes (another encoding): the same facts, so nothing to change either.
                // Committed: a row not imported before (new), or whose text changed since (updated: e.g. a corrected file).
                if (admissions[i] is Admission.Committed)
                {
                    if (prepared.Imported.Contains(prepared.Records[i].BusinessKey)) Updated++;
                    else New++;
                }
                foreach (var code in prepared.Records[i].UnmappedCodes) Unmapped[code] = Unmapped.GetValueOrDefault(code) + 1;
            }
        }

        private async Task<PreparedBatch> ResolveAsync(List<CsvRowResult> batch, CancellationToken cancellationToken)
        {
            var records = new List<CsvRecord>(batch.Count);
            foreach (var item in batch)
            {
                if (item.Reject is { } reject)
                {
                    await RejectAsync(reject);
                    continue;
                }
                var record = item.Record!;
                if (!_seen.TryAdd(KeyHash(record.BusinessKey), record.Line))
                {
                    await RejectAsync(new CsvReject(record.Line, record.DuplicateReason(_seen[KeyHash(record.BusinessKey)]), record.RawText));
                    continue;
                }
                records.Add(record);
            }
            var accepted = new List<CsvRecord>(records.Count);
            var messages = new List<AcceptedMessage>(records.Count);
            // Identities bound by rows of this batch (not yet in the index): two rows disagreeing are caught too.
            var bound = new Dictionary<string, KnownPatient>(StringComparer.Ordinal);
            if (records.Count > 0)
            {
                var known = await importer._directory.ResolveAsync(TokensToResolve(records), cancellationToken);
                foreach (var record in records)
                {
                    // What this row binds, so that a row refused below binds nothing for the rows after it.
                    var mrnToken = record.Patient.Mrn is { } rowMrn ? MrnToken(rowMrn) : null;
                    var boundBefore = mrnToken is not null && bound.TryGetValue(mrnToken, out var earlier) ? earlier : null;
                    var resolved = layout.Kind == CsvKind.Patients ? ResolvePatientRow(record, known, bound) : ResolveSubject(record, known);
                    if (resolved.Reason is not null)
                    {
                        await RejectAsync(new CsvReject(record.Line, resolved.Reason, record.RawText));
                        continue;
                    }
                    var message = ToMessage(record, resolved.Identity!, resolved.Identifiers!, out var invalid);
                    if (message is null)
                    {
                        if (mrnToken is not null)
                        {
                            if (boundBefore is null) bound.Remove(mrnToken);
                            else bound[mrnToken] = boundBefore;
                        }
                        await RejectAsync(new CsvReject(record.Line, invalid!, record.RawText));
                        continue;
                    }
                    accepted.Add(record);
                    messages.Add(message);
                }
            }
            // This batch is committed next; the one before it is committed by the time the next batch is resolved.
            _boundInFlight = bound;
            return new PreparedBatch(accepted, messages, [], 0);
        }

        private List<string> TokensToResolve(List<CsvRecord> records)
        {
            var tokens = new HashSet<string>(StringComparer.Ordinal);
            foreach (var record in records)
            {
                // A patient row's NAM is its own identity; only its MRN may already belong to someone.
                if (record.Patient.Nam is { } nam && layout.Kind != CsvKind.Patients) tokens.Add(NamToken(nam));
                if (record.Patient.Mrn is { } mrn) tokens.Add(MrnToken(mrn));
            }
            return [.. tokens];
        }

        /// <summary>
        /// A patient row: its NAM is its identity; without one, a MRN already bound to a NAM makes it that person. An MRN
        /// bound to another NAM is an identity conflict (DESIGN.md): refused, never joined.
        /// </summary>
        private Resolution ResolvePatientRow(CsvRecord record, Dictionary<string, KnownPatient> known, Dictionary<string, KnownPatient> bound)
        {
            var (nam, mrn) = (record.Patient.Nam, record.Patient.Mrn);
            var mrnToken = mrn is null ? null : MrnToken(mrn);
            var byMrn = mrnToken is null ? null
                : bound.GetValueOrDefault(mrnToken) ?? _boundInFlight.GetValueOrDefault(mrnToken) ?? known.GetValueOrDefault(mrnToken);
            if (nam is not null && byMrn?.Nam is { } other && other != nam)
                return Resolution.Refused("identity conflict: the MRN already belongs to a patient with another NAM");
            var identityNam = nam ?? byMrn?.Nam;
            var identity = identityNam is not null
                ? new PatientIdentity(PatientIdentityKind.Nam, QuebecHealthNumber.System, identityNam)
                : new PatientIdentity(PatientIdentityKind.Mrn, layout.Establishment.MrnSystem, mrn!);
            if (mrnToken is not null) bound[mrnToken] = new KnownPatient(identity.Key, identityNam);
            return Resolution.To(identity, Identifiers(identityNam, mrn));
        }

        /// <summary>
        /// An order or procedure row: its patient must be known (the record store, or a message committed to the inbox),
        /// and its delivery is ordered by that patient's identity key: the NAM key when the person is known by NAM, even
        /// if the row named an MRN, so it never overtakes the patient's own messages.
        /// </summary>
        private Resolution ResolveSubject(CsvRecord record, Dictionary<string, KnownPatient> known)
        {
            var (nam, mrn) = (record.Patient.Nam, record.Patient.Mrn);
            var byNam = nam is null ? null : known.GetValueOrDefault(NamToken(nam));
            var byMrn = mrn is null ? null : known.GetValueOrDefault(MrnToken(mrn));
            if (byNam is null && byMrn is null)
                return Resolution.Refused("unknown patient: no patient with this NAM or MRN is in the record store or an earlier import");
            if (byNam is not null && byMrn is not null && byNam.IdentityKey != byMrn.IdentityKey)
                return Resolution.Refused("identity conflict: the NAM and the MRN name two different patients");
            if (byNam is null && nam is not null && byMrn!.Nam is { } other && other != nam)
                return Resolution.Refused("identity conflict: the MRN belongs to a patient with another NAM");
            var patient = byNam ?? byMrn!;
            var bar = patient.IdentityKey.IndexOf('|', StringComparison.Ordinal);
            var identity = new PatientIdentity(patient.Nam is not null ? PatientIdentityKind.Nam : PatientIdentityKind.Mrn,
                patient.IdentityKey[..bar], patient.IdentityKey[(bar + 1)..]);
            return Resolution.To(identity, Identifiers(patient.Nam ?? nam, mrn));
        }

        private List<Identifier> Identifiers(string? nam, string? mrn)
        {
            var identifiers = new List<Identifier>(2);
            if (nam is not null) identifiers.Add(CsvRowMapper.Typed(QuebecHealthNumber.System, nam, "JHN"));
            if (mrn is not null) identifiers.Add(CsvRowMapper.Typed(layout.Establishment.MrnSystem, mrn, "MR"));
            return identifiers;
        }

        /// <summary>
        /// The row's message, or null with <paramref name="invalid"/> saying why: its Bundle, serialized once, must parse
        /// back under Firely's strict rules (what the record store applies) before the row is admitted, so no row is
        /// counted accepted that delivery would then lose. The checked bytes are what the inbox stores.
        /// </summary>
        private AcceptedMessage? ToMessage(CsvRecord record, PatientIdentity identity, List<Identifier> identifiers, out string? invalid)
        {
            var bundle = CsvBundleBuilder.Build(record, source, identity, identifiers);
            if (record.Kind == CsvKind.Patients) StampSourceTime(bundle, record.SourceTime ?? source.ImportedAt);
            var strict = StrictBundle.Check(bundle);
            if (!strict.IsValid)
            {
                // The row is named by the reject's line, as for every other reason (the HTTP answer, the rejects file).
                invalid = StrictBundle.Describe(strict.Issues);
                return null;
            }
            invalid = null;
            var receipt = JsonSerializer.SerializeToUtf8Bytes(new
            {
                import = source.FileName,
                line = record.Line,
                imported = PartialDateTime.FormatInstant(source.ImportedAt),
            });
            return new AcceptedMessage(source.ImportedAt, source.SenderApplication, layout.Establishment.Code, record.ControlId,
                source.SenderApplication, layout.Encoding.GetBytes(record.RawText), receipt, Encoding.UTF8.GetString(strict.Utf8Json!), identity.Key)
            {
                BundleUtf8 = strict.Utf8Json,
                // Only patient rows bind identities; an order row names a patient already bound.
                PatientIdentifiers = record.Kind == CsvKind.Patients ? identifiers.Select(i => $"{i.System}|{i.Value}").ToList() : [],
                // Counted by the inbox in the same commit, like HL7's: a re-imported row (a duplicate) never counts twice.
                UnmappedCodes = [.. record.UnmappedCodes],
            };
        }

        private Task RejectAsync(CsvReject reject)
        {
            _rejects.Add(reject);
            return Task.CompletedTask;
        }

        private string MrnToken(string mrn) => $"{layout.Establishment.MrnSystem}|{mrn}";

        private static string NamToken(string nam) => $"{QuebecHealthNumber.System}|{nam}";

        private static UInt128 KeyHash(string key)
        {
            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
            return BitConverter.ToUInt128(hash);
        }
    }

    /// <summary>
    /// The Patient of a patient row carries the time of its demographics (the export's date, else the import's), so
    /// delivery keeps the newest snapshot whichever channel it came by (latest wins).
    /// </summary>
    public static void StampSourceTime(Bundle bundle, DateTimeOffset time)
    {
        foreach (var patient in bundle.Entry.Select(e => e.Resource).OfType<Patient>())
        {
            patient.Extension.Add(RecordStoreDelivery.SourceTimeOf(time));
        }
    }

    private sealed record Resolution(PatientIdentity? Identity, List<Identifier>? Identifiers, string? Reason)
    {
        public static Resolution To(PatientIdentity identity, List<Identifier> identifiers) => new(identity, identifiers, null);

        public static Resolution Refused(string reason) => new(null, null, reason);
    }

    private static partial class Log
    {
        // Counts only: rows carry names and health numbers, and even file names can.
        [LoggerMessage(1, LogLevel.Information, "CSV import of {Kind} for {Establishment}: {Accepted} rows accepted ({New} new), {Rejected} rejected")]
        public static partial void Imported(ILogger logger, string kind, string establishment, long accepted, long @new, long rejected);

        [LoggerMessage(2, LogLevel.Error, "CSV import of {Kind} for {Establishment} failed after {Accepted} rows accepted and {Rejected} rejected")]
        public static partial void Failed(ILogger logger, string kind, string establishment, long accepted, long rejected);
    }
}
