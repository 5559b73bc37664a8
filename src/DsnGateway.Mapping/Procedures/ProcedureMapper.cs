using System.Globalization;
using Hl7.Fhir.Model;
using DsnGateway.Hl7v2;
using DsnGateway.Hl7v2.Segments;
using DsnGateway.Hl7v2.Types;
using DsnGateway.Mapping.Codes;
using DsnGateway.Mapping.Establishments;
using DsnGateway.Mapping.Notes;
using DsnGateway.Mapping.Bundles;
using DsnGateway.Mapping.Practitioners;

namespace DsnGateway.Mapping.Procedures;

/// <summary>A mapped PR1: the Procedure, the business identifier its entry is keyed on, and its code if unmapped.</summary>
/// <param name="FormerKey">The derived key the same PR1 had before the key took code and time
/// (<see cref="ProcedureMapper.FormerKeyOf"/>): a Procedure stored then holds it. Null when the key did not change form.</param>
/// <param name="SentCode">PR1-3 as the sender coded it (the coding a code map never replaces).</param>
public sealed record MappedProcedure(Procedure Procedure, Identifier Key, UnmappedCode? Unmapped, Identifier? FormerKey, Coding SentCode);

/// <summary>What identifies the message a PR1 came in, beyond the segment itself.</summary>
/// <param name="Subject">The reference to the Patient (the urn:uuid of its entry).</param>
/// <param name="VisitNumber">PV1-19.1 (else PV1-50.1) when the message has one.</param>
/// <param name="PatientKeyValue">The patient's identity value (NAM or MRN): part of the key only when there is no visit.</param>
public sealed record ProcedureContext(Establishment Establishment, string Subject, string? VisitNumber, string PatientKeyValue);

/// <summary>
/// PR1 to Procedure, after the HL7 v2-to-FHIR IG (PR1 → Procedure): code from PR1-3 through the code maps (CCI when
/// CWE.3 is <c>CCI</c>, PR1-4 as display when PR1-3 has no text), <c>performedDateTime</c> from PR1-5, or a
/// <c>performedPeriod</c> when PR1-7 gives the minutes, status <c>completed</c> (<c>entered-in-error</c> when
/// PR1-20 says D, delete), performers PR1-11 (surgeon) and PR1-12 (procedure practitioner) with their function,
/// the NTE right after the PR1 as <c>note</c>. The business identifier is PR1-19.1; without it a key derived from the
/// visit, the PR1 set id (PR1-1, else the PR1's position), the code and the time, and without a visit from the patient,
/// the code and the time (<see cref="KeyOf"/>).
/// </summary>
public sealed class ProcedureMapper(CodeMap codes)
{
    /// <summary>SNOMED CT 304292004 "Surgeon": the function of PR1-11.</summary>
    public static readonly Coding SurgeonFunction = new() { System = "http://snomed.info/sct", Code = "304292004", Display = "Surgeon" };

    /// <summary>HL7 table 0133 (procedure practitioner type) PR "Procedure MD/ Surgeon": the function of PR1-12.</summary>
    public static readonly Coding ProcedurePractitionerFunction = new() { System = "http://terminology.hl7.org/CodeSystem/v2-0133", Code = "PR", Display = "Procedure MD/ Surgeon" };

    private readonly CodeMap _codes = codes ?? throw new ArgumentNullException(nameof(codes));

    /// <param name="position">The PR1's occurrence in the message (1-based), for ERR-2 and as set id when PR1-1 is empty.</param>
    /// <param name="notes">The NTE segments right after the PR1 (<see cref="MessageSegments.NotesAfter"/>).</param>
    public MappingResult<MappedProcedure> Map(Pr1 pr1, int position, ProcedureContext context, IReadOnlyList<Nte>? notes = null)
    {
        ArgumentNullException.ThrowIfNull(pr1);
        ArgumentNullException.ThrowIfNull(context);
        Hl7ErrorLocation At(int field) => new("PR1", position, field);
        var establishment = context.Establishment;

        var cwe = pr1.ProcedureCode;
        var description = Clean(pr1.ProcedureDescription);
        if (LocalCode.From(cwe) is not { } local)
            return Fail(Hl7ErrorCodes.RequiredFieldMissing, At(3), "PR1-3 (procedure code) is required");
        if (!FhirCodes.IsCode(local.Code))
            return Fail(Hl7ErrorCodes.DataTypeError, At(3), FhirCodes.NotACode("PR1-3 (procedure code)", local.Code));
        var translation = _codes.Translate(establishment, CodeKind.Procedure, local with { Display = local.Display ?? description });

        var procedure = new Procedure
        {
            Status = string.Equals(Clean(pr1.Segment.Component(20, 1)), "D", StringComparison.OrdinalIgnoreCase) ? EventStatus.EnteredInError : EventStatus.Completed,
            Code = translation.Concept,
            Subject = new ResourceReference(context.Subject),
        };

        string? timeText = null;
        if (Clean(pr1.ProcedureDateTime) is { } when)
        {
            if (!Hl7DateTime.TryParse(when, out var time, out var error))
                return Fail(Hl7ErrorCodes.DataTypeError, At(5), $"PR1-5 (procedure date/time): {error!.Message}");
            timeText = when;
            if (Clean(pr1.Minutes) is { } minutesText)
            {
                if (!int.TryParse(minutesText, NumberStyles.None, CultureInfo.InvariantCulture, out var minutes))
                    return Fail(Hl7ErrorCodes.DataTypeError, At(7), $"PR1-7 (procedure minutes) '{minutesText}' is not a whole number");
                procedure.Performed = new Period
                {
                    Start = time.ToFhir(establishment.Zone),
                    End = FhirInstants.WithOffset(time.ToDateTimeOffset(establishment.Zone).AddMinutes(minutes)),
                };
            }
            else
            {
                procedure.Performed = new FhirDateTime(time.ToFhir(establishment.Zone));
            }
        }

        var performers = new List<Procedure.PerformerComponent>();
        foreach (var surgeon in pr1.Surgeons) Add(performers, surgeon, SurgeonFunction, establishment);
        foreach (var practitioner in pr1.ProcedurePractitioners) Add(performers, practitioner, ProcedurePractitionerFunction, establishment);
        procedure.Performer = performers;
        procedure.Note = NoteAnnotations.From(notes ?? []);

        var key = KeyOf(pr1, position, context, local.Code, timeText);
        if (key is null)
            return Fail(Hl7ErrorCodes.RequiredFieldMissing, At(19),
                "PR1-19 (procedure identifier) is empty, the message has no visit number (PV1-19, PV1-50) and PR1-5 is empty: the procedure could not be found again");
        procedure.Identifier = [key];
        // The sender's own coding is the concept's last (CodeTranslation): the same whatever the code maps say.
        var sent = translation.Concept.Coding![^1];
        return MappingResult<MappedProcedure>.Success(new MappedProcedure(procedure, key, translation.Unmapped,
            FormerKeyOf(pr1, position, context), new Coding { System = sent.System, Code = sent.Code }));
    }

    /// <summary>
    /// The procedure's business identifier: PR1-19.1 when given (<see cref="ProcedureIdentifiers.Given"/>). Otherwise
    /// a derived key (<see cref="ProcedureIdentifiers.Derived"/>): <c>visit/&lt;visit number&gt;/&lt;set id&gt;/&lt;PR1-3
    /// code&gt;/&lt;PR1-5 as sent&gt;</c> (without the last part when PR1-5 is empty), the set id being PR1-1 (else the
    /// PR1's position in the message): real exports repeat the set id (every PR1 numbered 1), so the code and the time
    /// are what tell two procedures of one visit apart. When the message has no visit number,
    /// <c>patient/&lt;NAM or MRN&gt;/&lt;PR1-3 code&gt;/&lt;PR1-5 as sent&gt;</c>, so that the same procedure resent
    /// is found again and two patients' procedures never share a key. Null when even PR1-5 is missing.
    /// </summary>
    public static Identifier? KeyOf(Pr1 pr1, int position, ProcedureContext context, string code, string? time)
    {
        if (ProcedureIdentifiers.Given(context.Establishment, Clean(pr1.ProcedureIdentifier.EntityId)) is { } given) return given;
        if (context.VisitNumber is { } visit)
            return time is null
                ? ProcedureIdentifiers.Derived(context.Establishment, "visit", visit, SetId(pr1, position), code)
                : ProcedureIdentifiers.Derived(context.Establishment, "visit", visit, SetId(pr1, position), code, time);
        return time is null ? null : ProcedureIdentifiers.Derived(context.Establishment, "patient", context.PatientKeyValue, code, time);
    }

    /// <summary>
    /// The key a PR1 without PR1-19 had when it was derived from the visit and the set id alone
    /// (<c>visit/&lt;visit number&gt;/&lt;set id&gt;</c>), which Procedures stored by earlier versions carry; null when the
    /// key has not changed form (PR1-19 given, or no visit).
    /// </summary>
    public static Identifier? FormerKeyOf(Pr1 pr1, int position, ProcedureContext context) =>
        ProcedureIdentifiers.Given(context.Establishment, Clean(pr1.ProcedureIdentifier.EntityId)) is null && context.VisitNumber is { } visit
            ? ProcedureIdentifiers.Derived(context.Establishment, "visit", visit, SetId(pr1, position))
            : null;

    private static string SetId(Pr1 pr1, int position) => Clean(pr1.SetId) ?? position.ToString(CultureInfo.InvariantCulture);

    private static void Add(List<Procedure.PerformerComponent> performers, Xcn xcn, Coding function, Establishment establishment)
    {
        if (PractitionerReferences.From(xcn, establishment) is not { } actor) return;
        performers.Add(new Procedure.PerformerComponent
        {
            Function = new CodeableConcept { Coding = [new Coding { System = function.System, Code = function.Code, Display = function.Display }], Text = function.Display },
            Actor = actor,
        });
    }

    private static string? Clean(string? value)
    {
        var v = value?.Trim();
        return string.IsNullOrEmpty(v) || v == "\"\"" ? null : v;
    }

    private static MappingResult<MappedProcedure> Fail(int code, Hl7ErrorLocation location, string message) =>
        MappingResult<MappedProcedure>.Failure(code, location, message);
}
