using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DsnGateway.Mapping.Establishments;

namespace DsnGateway.Mapping.Csv;

/// <summary>
/// Reads <c>config/csv-layouts.json</c>: per establishment, an optional <c>defaults</c> object and one object per
/// kind (<c>patients</c>, <c>medication-orders</c>, <c>procedures</c>); a kind's properties override the defaults.
/// <code>
/// { "NIM": {
///     "defaults": { "delimiter": ";", "encoding": "windows-1252", "header": true,
///                   "dateFormats": ["dd/MM/yyyy"], "dateTimeFormats": ["dd/MM/yyyy HH:mm"], "decimalSeparator": "," },
///     "patients": { "sex": { "Homme": "male", "Femme": "female" },
///                   "columns": { "nam": "NAM", "mrn": "Dossier", "family": "Nom", "birthDate": 4 } } } }
/// </code>
/// A column is a header name (a string) or a 1-based position (a number; the only way without a header row).
/// A wrong file is an error naming the problem, raised at start-up and by the commands: guessing at a layout
/// would put one column's values into another field of thousands of records.
/// </summary>
public static class CsvLayoutConfiguration
{
    public const string FileName = "csv-layouts.json";

    private static readonly JsonDocumentOptions DocumentOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private static readonly HashSet<string> Properties = new(StringComparer.Ordinal)
    {
        "delimiter", "encoding", "header", "dateFormats", "dateTimeFormats", "decimalSeparator", "sex", "status", "columns",
        "codeSystem", "licenceAuthority",
    };

    /// <summary>FHIR administrative genders a sex spelling may map to.</summary>
    public static IReadOnlySet<string> Genders { get; } = new HashSet<string>(["male", "female", "other", "unknown"], StringComparer.Ordinal);

    /// <summary>FHIR MedicationRequest statuses a status spelling may map to directly (else it names an HL7 ORC-5 code).</summary>
    public static IReadOnlySet<string> OrderStatuses { get; } =
        new HashSet<string>(["active", "on-hold", "cancelled", "completed", "entered-in-error", "stopped", "draft", "unknown"], StringComparer.Ordinal);

    /// <summary>FHIR Procedure statuses a procedure status spelling may map to.</summary>
    public static IReadOnlySet<string> ProcedureStatuses { get; } =
        new HashSet<string>(["preparation", "in-progress", "not-done", "on-hold", "stopped", "completed", "entered-in-error", "unknown"], StringComparer.Ordinal);

    private static readonly string[] OrderStatusCodes = ["A", "IP", "SC", "CM", "CA", "DC", "RP", "HD", "ER"];

    static CsvLayoutConfiguration() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    /// <summary>A missing file means no CSV export is onboarded yet (every import is then a usage error).</summary>
    public static CsvLayouts Load(string path, EstablishmentRegistry establishments)
    {
        if (!File.Exists(path)) return CsvLayouts.Empty;
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CsvLayoutConfigurationException($"Cannot read the CSV layouts {path}: {ex.Message}", ex);
        }
        return Parse(json, establishments, path);
    }

    public static CsvLayouts Parse(string json, EstablishmentRegistry establishments, string source = FileName)
    {
        ArgumentNullException.ThrowIfNull(establishments);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: DocumentOptions);
        }
        catch (JsonException ex)
        {
            throw new CsvLayoutConfigurationException($"{source} is not valid JSON: {ex.Message}", ex);
        }
        if (root is not JsonObject establishmentsNode)
            throw new CsvLayoutConfigurationException($"{source}: expected an object keyed by establishment code.");

        var layouts = new List<CsvLayout>();
        foreach (var (code, node) in establishmentsNode)
        {
            if (code.StartsWith('$')) continue; // "$comment"
            var establishment = establishments.ByCode(code)
                ?? throw new CsvLayoutConfigurationException($"{source}: establishment '{code}' is not in the sender registry.");
            if (node is not JsonObject kinds)
                throw new CsvLayoutConfigurationException($"{source}: {code} must be an object with \"defaults\" and one object per kind.");
            var defaults = kinds["defaults"] as JsonObject;
            if (kinds["defaults"] is not null && defaults is null)
                throw new CsvLayoutConfigurationException($"{source}: {code}.defaults must be an object.");
            foreach (var (kindName, kindNode) in kinds)
            {
                if (kindName == "defaults" || kindName.StartsWith('$')) continue;
                if (!CsvKinds.TryParse(kindName, out var kind))
                    throw new CsvLayoutConfigurationException($"{source}: {code} has an unknown kind '{kindName}' ({string.Join(", ", CsvKinds.Names)}).");
                if (kindNode is not JsonObject kindObject)
                    throw new CsvLayoutConfigurationException($"{source}: {code}.{kindName} must be an object.");
                layouts.Add(ReadLayout(establishment, kind, defaults, kindObject, $"{source}: {code}.{kindName}"));
            }
        }
        return new CsvLayouts(layouts);
    }

    private static CsvLayout ReadLayout(Establishment establishment, CsvKind kind, JsonObject? defaults, JsonObject own, string where)
    {
        foreach (var (name, _) in (defaults ?? []).Concat(own))
        {
            if (!name.StartsWith('$') && !Properties.Contains(name))
                throw new CsvLayoutConfigurationException($"{where}: unknown setting '{name}' (known: {string.Join(", ", Properties)}).");
        }
        JsonNode? Get(string name) => own[name] ?? defaults?[name];

        var delimiterText = String(Get("delimiter"), where, "delimiter") ?? ",";
        if (delimiterText == "\\t") delimiterText = "\t";
        if (delimiterText.Length != 1 || delimiterText[0] is not (';' or ',' or '|' or '\t'))
            throw new CsvLayoutConfigurationException($"{where}: delimiter '{delimiterText}' must be one of ; , | or \\t.");

        var encodingName = String(Get("encoding"), where, "encoding") ?? "utf-8";
        Encoding encoding;
        try
        {
            encoding = Encoding.GetEncoding(encodingName);
        }
        catch (ArgumentException ex)
        {
            throw new CsvLayoutConfigurationException($"{where}: encoding '{encodingName}' is unknown (e.g. utf-8, windows-1252, iso-8859-1).", ex);
        }

        var header = Get("header") switch
        {
            null => true,
            JsonValue v when v.TryGetValue<bool>(out var b) => b,
            _ => throw new CsvLayoutConfigurationException($"{where}: header must be true or false."),
        };

        var dateFormats = Formats(Get("dateFormats"), where, "dateFormats", ["yyyy-MM-dd"]);
        var dateTimeFormats = Formats(Get("dateTimeFormats"), where, "dateTimeFormats", ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm"]);

        var decimalText = String(Get("decimalSeparator"), where, "decimalSeparator") ?? ".";
        if (decimalText is not ("." or ","))
            throw new CsvLayoutConfigurationException($"{where}: decimalSeparator must be \".\" or \",\".");
        if (decimalText[0] == delimiterText[0])
            throw new CsvLayoutConfigurationException($"{where}: the decimal separator cannot be the delimiter.");

        var sex = Spellings(Get("sex"), where, "sex", v => Genders.Contains(v), "male, female, other or unknown");
        var statusValid = kind == CsvKind.Procedures
            ? (Func<string, bool>)(v => ProcedureStatuses.Contains(v))
            : v => OrderStatuses.Contains(v) || OrderStatusCodes.Contains(v);
        var status = Spellings(Get("status"), where, "status", statusValid,
            kind == CsvKind.Procedures ? "a FHIR Procedure status" : "a FHIR MedicationRequest status or an HL7 ORC-5 code (A, IP, SC, CM, CA, DC, RP, HD, ER)");

        var columns = Columns(own["columns"] ?? defaults?["columns"], kind, header, where);
        if (columns.ContainsKey(CsvField.Sex) && sex.Count == 0)
            throw new CsvLayoutConfigurationException($"{where}: a sex column needs \"sex\": the system's spellings, e.g. {{ \"M\": \"male\", \"F\": \"female\" }}.");
        if (columns.ContainsKey(CsvField.Status) && status.Count == 0)
            throw new CsvLayoutConfigurationException($"{where}: a status column needs \"status\": the system's spellings, e.g. {{ \"active\": \"active\" }}.");

        return new CsvLayout(establishment, kind, delimiterText[0], encoding, header, columns, dateFormats, dateTimeFormats, decimalText[0],
            sex, status, String(Get("codeSystem"), where, "codeSystem"), String(Get("licenceAuthority"), where, "licenceAuthority"));
    }

    private static Dictionary<CsvField, CsvColumn> Columns(JsonNode? node, CsvKind kind, bool header, string where)
    {
        if (node is not JsonObject columnsNode)
            throw new CsvLayoutConfigurationException($"{where}: \"columns\" is required: an object mapping fields to header names or 1-based positions.");
        var columns = new Dictionary<CsvField, CsvColumn>();
        foreach (var (name, value) in columnsNode)
        {
            if (name.StartsWith('$')) continue;
            if (!CsvFields.TryParse(name, kind, out var field))
                throw new CsvLayoutConfigurationException(
                    $"{where}: unknown column field '{name}' for {CsvKinds.Name(kind)} (known: {string.Join(", ", CsvFields.For(kind).Select(CsvFields.Name))}).");
            CsvColumn column = value switch
            {
                JsonValue v when v.TryGetValue<int>(out var position) && position >= 1 => new CsvColumn(null, position),
                JsonValue v when v.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text) => new CsvColumn(text.Trim(), null),
                _ => throw new CsvLayoutConfigurationException($"{where}: column '{name}' must be a header name or a position (1, 2, ...)."),
            };
            if (column.Name is not null && !header)
                throw new CsvLayoutConfigurationException($"{where}: column '{name}' is named \"{column.Name}\" but the file has no header row: give its position.");
            columns[field] = column;
        }
        foreach (var group in CsvFields.RequiredGroups(kind))
        {
            if (!group.Any(columns.ContainsKey))
                throw new CsvLayoutConfigurationException(
                    $"{where}: {CsvKinds.Name(kind)} needs a column for {string.Join(" or ", group.Select(CsvFields.Name))}.");
        }
        return columns;
    }

    private static string? String(JsonNode? node, string where, string name) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => string.IsNullOrWhiteSpace(s) ? null : s,
        _ => throw new CsvLayoutConfigurationException($"{where}: {name} must be a string."),
    };

    private static List<string> Formats(JsonNode? node, string where, string name, List<string> fallback)
    {
        var formats = node switch
        {
            null => fallback,
            JsonValue v when v.TryGetValue<string>(out var s) => [s],
            JsonArray a when a.All(i => i is JsonValue iv && iv.TryGetValue<string>(out _)) => a.Select(i => i!.GetValue<string>()).ToList(),
            _ => throw new CsvLayoutConfigurationException($"{where}: {name} must be a format string or an array of them (e.g. \"dd/MM/yyyy\")."),
        };
        if (formats.Count == 0) throw new CsvLayoutConfigurationException($"{where}: {name} is empty.");
        foreach (var format in formats)
        {
            // A format that cannot round-trip a known date would silently misread every row.
            var sample = new DateTime(2024, 11, 23, 14, 5, 9);
            string text;
            try
            {
                text = sample.ToString(format, CultureInfo.InvariantCulture);
            }
            catch (FormatException ex)
            {
                throw new CsvLayoutConfigurationException($"{where}: {name} '{format}' is not a date format.", ex);
            }
            if (!DateTime.TryParseExact(text, format, CultureInfo.InvariantCulture, DateTimeStyles.None, out var back) || back.Date != sample.Date
                || !format.Contains('y') || !format.Contains('d'))
                throw new CsvLayoutConfigurationException($"{where}: {name} '{format}' does not give a full date (day, month and year).");
        }
        return formats;
    }

    private static Dictionary<string, string> Spellings(JsonNode? node, string where, string name, Func<string, bool> valid, string expected)
    {
        var spellings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (node is null) return spellings;
        if (node is not JsonObject map) throw new CsvLayoutConfigurationException($"{where}: {name} must map the system's spellings to values.");
        foreach (var (spelling, value) in map)
        {
            if (value is not JsonValue v || !v.TryGetValue<string>(out var target) || !valid(target))
                throw new CsvLayoutConfigurationException($"{where}: {name} spelling '{spelling}' must map to {expected}.");
            spellings[spelling.Trim()] = target;
        }
        return spellings;
    }
}

/// <summary>The CSV layouts cannot be used; the message says what to fix.</summary>
public sealed class CsvLayoutConfigurationException : Exception
{
    public CsvLayoutConfigurationException(string message) : base(message) { }

    public CsvLayoutConfigurationException(string message, Exception inner) : base(message, inner) { }
}
