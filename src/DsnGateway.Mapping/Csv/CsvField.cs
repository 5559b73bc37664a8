namespace DsnGateway.Mapping.Csv;

/// <summary>
/// The values a layout can find in a row. The layout file names them in camelCase (<c>birthDate</c>,
/// <c>drugCode</c>); <see cref="CsvFields"/> says which belong to which kind and which are required.
/// </summary>
public enum CsvField
{
    // Who the row is about (every kind).
    Nam,
    Mrn,

    // Patients.
    Family,
    Given,
    BirthDate,
    Sex,
    AddressLine,
    City,
    Province,
    PostalCode,
    Phone,
    SourceTime,

    // Medication orders.
    Placer,
    Filler,
    DrugCode,
    DrugDisplay,
    DrugSystem,
    Dose,
    DoseUnit,
    Route,
    DosageText,
    Status,
    AuthoredOn,
    PrescriberLicence,
    PrescriberName,

    // Procedures.
    ProcedureId,
    Code,
    Display,
    CodeSystem,
    Performed,
    SurgeonLicence,
    SurgeonName,
}

/// <summary>Which fields each kind knows, and the names the layout file uses for them.</summary>
public static class CsvFields
{
    private static readonly CsvField[] Patient =
    [
        CsvField.Nam, CsvField.Mrn, CsvField.Family, CsvField.Given, CsvField.BirthDate, CsvField.Sex, CsvField.AddressLine,
        CsvField.City, CsvField.Province, CsvField.PostalCode, CsvField.Phone, CsvField.SourceTime,
    ];

    private static readonly CsvField[] Order =
    [
        CsvField.Nam, CsvField.Mrn, CsvField.Placer, CsvField.Filler, CsvField.DrugCode, CsvField.DrugDisplay, CsvField.DrugSystem,
        CsvField.Dose, CsvField.DoseUnit, CsvField.Route, CsvField.DosageText, CsvField.Status, CsvField.AuthoredOn,
        CsvField.PrescriberLicence, CsvField.PrescriberName,
    ];

    private static readonly CsvField[] Procedure =
    [
        CsvField.Nam, CsvField.Mrn, CsvField.ProcedureId, CsvField.Code, CsvField.Display, CsvField.CodeSystem, CsvField.Performed,
        CsvField.Status, CsvField.SurgeonLicence, CsvField.SurgeonName,
    ];

    public static IReadOnlyList<CsvField> For(CsvKind kind) => kind switch
    {
        CsvKind.Patients => Patient,
        CsvKind.MedicationOrders => Order,
        CsvKind.Procedures => Procedure,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>The columns a layout of this kind must configure: without them no row could ever be mapped.</summary>
    public static IReadOnlyList<IReadOnlyList<CsvField>> RequiredGroups(CsvKind kind) => kind switch
    {
        // Each inner list: at least one of these.
        CsvKind.Patients => [[CsvField.Nam, CsvField.Mrn], [CsvField.Family]],
        CsvKind.MedicationOrders => [[CsvField.Nam, CsvField.Mrn], [CsvField.Placer, CsvField.Filler], [CsvField.DrugCode]],
        CsvKind.Procedures => [[CsvField.Nam, CsvField.Mrn], [CsvField.ProcedureId], [CsvField.Code], [CsvField.Performed]],
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>The layout file's name of a field: <c>BirthDate</c> is <c>birthDate</c>.</summary>
    public static string Name(CsvField field)
    {
        var name = field.ToString();
        return char.ToLowerInvariant(name[0]) + name[1..];
    }

    public static bool TryParse(string name, CsvKind kind, out CsvField field)
    {
        foreach (var candidate in For(kind))
        {
            if (string.Equals(Name(candidate), name, StringComparison.OrdinalIgnoreCase))
            {
                field = candidate;
                return true;
            }
        }
        field = default;
        return false;
    }
}
