using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
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
/// A column is a header name (a string) or a 1-based position (a number; the only way without a header row), or an
/// object with value rules: <c>{ "column": "Téléphone", "digits": true }</c>, <c>{ "value": "QC" }</c> (fixed),
/// <c>{ "column": "Voie", "codeSystem": "HL70162" }</c> (coded). <c>split</c> lists columns split into several fields
/// by a pattern's named groups. A kind may instead hold an array of named layouts (<c>"name"</c>), the
/// establishment's several exports of that kind, chosen by name or recognised by their header row.
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
        "codeSystem", "licenceAuthority", "name", "split",
    };

    /// <summary>The fields whose value is a code, read with a coding system as HL7 reads CWE.3.</summary>
    private static readonly HashSet<CsvField> CodedFields = [CsvField.DrugCode, CsvField.Code, CsvField.Route];

    private static readonly TimeSpan PatternTimeout = TimeSpan.FromMilliseconds(200);

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
                switch (kindNode)
                {
                    case JsonObject kindObject:
                        layouts.Add(ReadLayout(establishment, kind, defaults, kindObject, $"{source}: {code}.{kindName}", named: false));
                        break;
                    case JsonArray several when several.Count > 0:
                        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                        for (var i = 0; i < several.Count; i++)
                        {
                            var where = $"{source}: {code}.{kindName}[{i}]";
                            if (several[i] is not JsonObject one) throw new CsvLayoutConfigurationException($"{where} must be an object.");
                            var layout = ReadLayout(establishment, kind, defaults, one, where, named: true);
                            if (!names.Add(layout.Name))
                                throw new CsvLayoutConfigurationException($"{where}: the name '{layout.Name}' is used twice for {code} {kindName}.");
                            layouts.Add(layout);
                        }
                        break;
                    default:
                        throw new CsvLayoutConfigurationException($"{source}: {code}.{kindName} must be a layout object or an array of named layouts.");
                }
            }
        }
        return new CsvLayouts(layouts);
    }

    private static CsvLayout ReadLayout(Establishment establishment, CsvKind kind, JsonObject? defaults, JsonObject own, string where, bool named)
    {
        foreach (var (setting, _) in (defaults ?? []).Concat(own))
        {
            if (!setting.StartsWith('$') && !Properties.Contains(setting))
                throw new CsvLayoutConfigurationException($"{where}: unknown setting '{setting}' (known: {string.Join(", ", Properties)}).");
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

        // One of several layouts needs a name to be chosen by; a kind's only layout may go without.
        var name = String(own["name"], where, "name")?.Trim();
        if (named && name is null) throw new CsvLayoutConfigurationException($"{where}: each of several layouts needs a \"name\".");
        if (defaults?["name"] is not null) throw new CsvLayoutConfigurationException($"{where}: \"name\" belongs to a layout, not to the defaults.");

        var (columns, rules) = Columns(own["columns"] ?? defaults?["columns"], kind, header, where);
        var splits = Splits(own["split"] ?? defaults?["split"], kind, header, columns, rules, where);
        foreach (var group in CsvFields.RequiredGroups(kind))
        {
            if (!group.Any(f => columns.ContainsKey(f) || rules.GetValueOrDefault(f)?.Fixed is not null || splits.Any(s => s.Fields.Contains(f))))
                throw new CsvLayoutConfigurationException(
                    $"{where}: {CsvKinds.Name(kind)} needs a column for {string.Join(" or ", group.Select(CsvFields.Name))}.");
        }
        if (columns.ContainsKey(CsvField.Sex) && sex.Count == 0)
            throw new CsvLayoutConfigurationException($"{where}: a sex column needs \"sex\": the system's spellings, e.g. {{ \"M\": \"male\", \"F\": \"female\" }}.");
        if (columns.ContainsKey(CsvField.Status) && status.Count == 0)
            throw new CsvLayoutConfigurationException($"{where}: a status column needs \"status\": the system's spellings, e.g. {{ \"active\": \"active\" }}.");

        return new CsvLayout(establishment, kind, delimiterText[0], encoding, header, columns, dateFormats, dateTimeFormats, decimalText[0],
            sex, status, String(Get("codeSystem"), where, "codeSystem"), String(Get("licenceAuthority"), where, "licenceAuthority"))
        {
            Name = name ?? CsvLayouts.DefaultName,
            Rules = rules,
            Splits = splits,
        };
    }

    private static (Dictionary<CsvField, CsvColumn> Columns, Dictionary<CsvField, CsvFieldRule> Rules) Columns(JsonNode? node, CsvKind kind, bool header, string where)
    {
        if (node is not JsonObject columnsNode)
            throw new CsvLayoutConfigurationException($"{where}: \"columns\" is required: an object mapping fields to header names or 1-based positions.");
        var columns = new Dictionary<CsvField, CsvColumn>();
        var rules = new Dictionary<CsvField, CsvFieldRule>();
        foreach (var (name, value) in columnsNode)
        {
            if (name.StartsWith('$')) continue;
            if (!CsvFields.TryParse(name, kind, out var field))
                throw new CsvLayoutConfigurationException(
                    $"{where}: unknown column field '{name}' for {CsvKinds.Name(kind)} (known: {string.Join(", ", CsvFields.For(kind).Select(CsvFields.Name))}).");
            if (value is JsonObject rule)
            {
                foreach (var (setting, _) in rule)
                {
                    if (setting is not ("column" or "value" or "digits" or "codeSystem") && !setting.StartsWith('$'))
                        throw new CsvLayoutConfigurationException($"{where}: column '{name}' has an unknown setting '{setting}' (known: column, value, digits, codeSystem).");
                }
                var fixedValue = rule["value"] is null ? null : String(rule["value"], where, $"{name}.value")
                    ?? throw new CsvLayoutConfigurationException($"{where}: column '{name}': a fixed value cannot be empty.");
                var digits = rule["digits"] switch
                {
                    null => false,
                    JsonValue v when v.TryGetValue<bool>(out var b) => b,
                    _ => throw new CsvLayoutConfigurationException($"{where}: column '{name}': digits must be true or false."),
                };
                var codeSystem = String(rule["codeSystem"], where, $"{name}.codeSystem");
                if (codeSystem is not null && !CodedFields.Contains(field))
                    throw new CsvLayoutConfigurationException(
                        $"{where}: column '{name}' is not coded: a codeSystem applies to {string.Join(", ", CodedFields.Where(f => CsvFields.For(kind).Contains(f)).Select(CsvFields.Name))}.");
                if (fixedValue is not null && (rule["column"] is not null || digits || codeSystem is not null))
                    throw new CsvLayoutConfigurationException($"{where}: column '{name}' has a fixed value: it takes no column, digits or codeSystem.");
                if (fixedValue is null)
                {
                    if (rule["column"] is null) throw new CsvLayoutConfigurationException($"{where}: column '{name}' needs \"column\" or \"value\".");
                    columns[field] = Column(rule["column"], name, header, where);
                }
                rules[field] = new CsvFieldRule(fixedValue, digits, codeSystem);
                continue;
            }
            columns[field] = Column(value, name, header, where);
        }
        return (columns, rules);
    }

    private static CsvColumn Column(JsonNode? value, string name, bool header, string where)
    {
        CsvColumn column = value switch
        {
            JsonValue v when v.TryGetValue<int>(out var position) && position >= 1 => new CsvColumn(null, position),
            JsonValue v when v.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text) => new CsvColumn(text.Trim(), null),
            _ => throw new CsvLayoutConfigurationException($"{where}: column '{name}' must be a header name or a position (1, 2, ...)."),
        };
        if (column.Name is not null && !header)
            throw new CsvLayoutConfigurationException($"{where}: column '{name}' is named \"{column.Name}\" but the file has no header row: give its position.");
        return column;
    }

    /// <summary><c>"split": [{ "column": "Chirurgien", "pattern": "^(?&lt;surgeonName&gt;.+) \\((?&lt;surgeonLicence&gt;\\d+)\\)$" }]</c>.</summary>
    private static List<CsvSplit> Splits(JsonNode? node, CsvKind kind, bool header, Dictionary<CsvField, CsvColumn> columns,
        Dictionary<CsvField, CsvFieldRule> rules, string where)
    {
        var splits = new List<CsvSplit>();
        if (node is null) return splits;
        if (node is not JsonArray array) throw new CsvLayoutConfigurationException($"{where}: split must be an array of {{ \"column\", \"pattern\" }}.");
        var taken = new HashSet<CsvField>(columns.Keys.Concat(rules.Where(r => r.Value.Fixed is not null).Select(r => r.Key)));
        foreach (var item in array)
        {
            if (item is not JsonObject split || split["pattern"] is null || split["column"] is null)
                throw new CsvLayoutConfigurationException($"{where}: each split needs \"column\" and \"pattern\".");
            var column = Column(split["column"], "split", header, where);
            var text = String(split["pattern"], where, "split.pattern")
                ?? throw new CsvLayoutConfigurationException($"{where}: the split of {column} has an empty pattern.");
            Regex pattern;
            try
            {
                pattern = new Regex(text, RegexOptions.CultureInvariant, PatternTimeout);
            }
            catch (ArgumentException ex)
            {
                throw new CsvLayoutConfigurationException($"{where}: the split pattern of {column} is not a valid regular expression: {ex.Message}", ex);
            }
            var fields = new List<CsvField>();
            foreach (var group in pattern.GetGroupNames().Where(g => !int.TryParse(g, out _)))
            {
                if (!CsvFields.TryParse(group, kind, out var field))
                    throw new CsvLayoutConfigurationException(
                        $"{where}: the split pattern of {column} has a group '{group}' that is not a field of {CsvKinds.Name(kind)} (known: {string.Join(", ", CsvFields.For(kind).Select(CsvFields.Name))}).");
                if (!taken.Add(field))
                    throw new CsvLayoutConfigurationException($"{where}: {CsvFields.Name(field)} comes from two places (a column and the split of {column}): keep one.");
                fields.Add(field);
            }
            if (fields.Count == 0)
                throw new CsvLayoutConfigurationException($"{where}: the split pattern of {column} names no field: use named groups, e.g. (?<surgeonName>...).");
            splits.Add(new CsvSplit(column, pattern, fields));
        }
        return splits;
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
