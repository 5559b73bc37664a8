using DsnGateway.Fhir.Primitives;

namespace DsnGateway.Audit;

/// <summary>
/// What the chain's anchors say about it (docs/arch/0014): each checkpoint's signature, whether the chain still has the
/// head each checkpoint signed, and whether it still has each head shipped off the machine. A chain rewritten from a
/// record onward, cut at its end, or rolled back to an old copy holds together on its own; it no longer matches these.
/// </summary>
internal sealed record AuditAnchorVerification(
    int Checkpoints,
    long LastCheckpointSeq,
    long LastSeq,
    int ShippedHeads,
    IReadOnlyList<string> Problems)
{
    public bool Holds => Problems.Count == 0;

    /// <summary>Records after the last good checkpoint: what a rewrite could still change without a trace in audit.db.</summary>
    public long Unanchored => Math.Max(0, LastSeq - LastCheckpointSeq);

    /// <param name="keys">The public keys checkpoints may be signed with (several after a rotation, or one per instance).</param>
    /// <param name="shippedHeads">Heads kept off the machine in seq order (<see cref="AuditShippedHeads"/>); empty when none were given.</param>
    public static async Task<AuditAnchorVerification> VerifyAsync(AuditStore store, IReadOnlyCollection<AuditCheckpointKey> keys,
        IReadOnlyList<(long Seq, string HeadHash)> shippedHeads, CancellationToken cancellationToken)
    {
        var checkpoints = await store.ReadCheckpointsAsync(cancellationToken);
        var lastSeq = await store.ReadLastSeqAsync(cancellationToken);
        var hashes = await store.ReadHashesAsync(checkpoints.Select(c => c.Seq).Concat(shippedHeads.Select(h => h.Seq)), cancellationToken);
        var byId = keys.GroupBy(k => k.KeyId).ToDictionary(g => g.Key, g => g.First());
        var problems = new List<string>();
        var lastGood = 0L;
        var forged = new List<AuditCheckpoint>();
        var unknownKey = new List<AuditCheckpoint>();
        var beyondEnd = new List<AuditCheckpoint>();
        var rewritten = new List<AuditCheckpoint>();
        foreach (var checkpoint in checkpoints)
        {
            if (!byId.TryGetValue(checkpoint.KeyId, out var key)) unknownKey.Add(checkpoint);
            else if (!key.Verifies(checkpoint)) forged.Add(checkpoint);
            else if (checkpoint.Seq > lastSeq) beyondEnd.Add(checkpoint);
            else if (!hashes.TryGetValue(checkpoint.Seq, out var hash) || hash != checkpoint.HeadHash) rewritten.Add(checkpoint);
            else lastGood = checkpoint.Seq;
        }
        if (forged.Count > 0)
            problems.Add($"forged checkpoint at record {forged[0].Seq}: its signature does not verify with key {forged[0].KeyId}{More(forged)}; a checkpoint was written or changed without the signing key.");
        // Without any key the command says so once, instead of once per checkpoint.
        if (unknownKey.Count > 0 && keys.Count > 0)
            problems.Add($"checkpoint at record {unknownKey[0].Seq} is signed with key {unknownKey[0].KeyId}, which is not among the public keys given{More(unknownKey)}.");
        if (beyondEnd.Count > 0)
        {
            var last = beyondEnd[^1];
            problems.Add($"truncated tail: the chain ends at record {lastSeq}, but the checkpoint of {PartialDateTime.FormatInstant(last.Created)} signed record {last.Seq}: " +
                $"{Records(lastSeq + 1, last.Seq)} removed.");
        }
        if (rewritten.Count > 0)
        {
            var first = rewritten[0];
            problems.Add($"recomputed chain: record {first.Seq} no longer has the head signed in the checkpoint of {PartialDateTime.FormatInstant(first.Created)}{More(rewritten)}: " +
                $"the chain was rewritten at or before record {first.Seq}.");
        }

        var signed = checkpoints.Select(c => c.Seq).ToHashSet();
        if (shippedHeads.Count > 0 && shippedHeads[^1].Seq > lastSeq)
        {
            var last = shippedHeads[^1].Seq;
            problems.Add($"rollback: a shipped head names record {last}, but the chain ends at record {lastSeq}: {Records(lastSeq + 1, last)} removed.");
        }
        foreach (var (seq, headHash) in shippedHeads.Where(h => h.Seq <= lastSeq))
        {
            if (!hashes.TryGetValue(seq, out var hash) || hash != headHash)
            {
                problems.Add($"rollback: record {seq} is not the shipped head of record {seq}: the chain was rewritten or replaced at or before record {seq}.");
                break;
            }
            if (!signed.Contains(seq))
            {
                problems.Add($"the checkpoint of record {seq}, whose head was shipped, is missing from audit.db: checkpoints were deleted.");
                break;
            }
        }
        return new AuditAnchorVerification(checkpoints.Count, lastGood, lastSeq, shippedHeads.Count, problems);
    }

    private static string Records(long from, long to) => from == to ? $"record {from} was" : $"records {from} to {to} were";

    private static string More(List<AuditCheckpoint> found) => found.Count > 1 ? $" (and {found.Count - 1} later checkpoint(s))" : "";
}
