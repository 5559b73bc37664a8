using Hl7.Fhir.Model;
using DsnGateway.Hl7v2.Parsing;
using DsnGateway.Hl7v2.Segments;
using DsnGateway.Mapping.Patients;
using DsnGateway.Mapping.Procedures;

namespace DsnGateway.Mapping.Bundles;

/// <summary>Every PR1 of a message as a Procedure entry (ADT, BAR and DFT alike).</summary>
internal static class MessageProcedures
{
    /// <summary>Adds one entry per PR1 (a later PR1 with the same identifier replaces an earlier one), with the NTE that
    /// follow it as its notes; the first PR1 that cannot be mapped is the message's error.</summary>
    public static MappingError? AddAll(MessageTransaction transaction, Hl7Message message, ProcedureMapper mapper, string patientUrl, PatientIdentity identity)
    {
        var pr1s = message.Pr1s();
        if (pr1s.Count == 0) return null;
        var context = new ProcedureContext(transaction.Source.Establishment, patientUrl, VisitNumber(message), identity.Value);
        var procedures = new List<MappedProcedure>();
        for (var i = 0; i < pr1s.Count; i++)
        {
            var mapped = mapper.Map(pr1s[i], i + 1, context, message.NotesAfter(pr1s[i].Segment));
            if (!mapped.IsSuccess) return mapped.Error;
            procedures.Add(mapped.Value);
        }

        // A Procedure stored before the derived key took code and time holds the former key (visit and set id alone).
        // Earlier versions wrote, per former key, the last PR1 stating it (the later replaced the earlier), so that PR1
        // alone may take such a Procedure over, and only one of its own code: PR1s sharing a set id never fight over
        // one resource, and a procedure sent later under a reused set id never replaces a different one.
        var heirs = new Dictionary<string, MappedProcedure>(StringComparer.Ordinal);
        foreach (var group in procedures.Where(p => p.FormerKey is not null).GroupBy(p => p.FormerKey!.Value!, StringComparer.Ordinal))
            heirs[group.Last().Key.Value!] = group.Last();
        transaction.AddLatestPerKey("Procedure", procedures.Select(p => ((Resource)p.Procedure, p.Key, p.Unmapped)),
            key => heirs.TryGetValue(key.Value!, out var heir) && key.System == heir.Key.System
                ? MessageTransaction.ConditionalUrl("Procedure", key, heir.FormerKey!, heir.SentCode)
                : null);
        return null;
    }

    /// <summary>PV1-19.1, else PV1-50.1 (the alternate visit id); null when the message has neither.</summary>
    public static string? VisitNumber(Hl7Message message)
    {
        if (message.Pv1() is not { } pv1) return null;
        var visit = pv1.VisitNumber.Id.Trim();
        if (visit.Length == 0 || visit == "\"\"") visit = pv1.AlternateVisitId.Id.Trim();
        return visit.Length == 0 || visit == "\"\"" ? null : visit;
    }
}
