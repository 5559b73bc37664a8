using System.Diagnostics.CodeAnalysis;

namespace DsnGateway.SmartScopes;

/// <summary>
/// One scope of a token, parsed per SMART App Launch 2.x. Resource scopes have the form
/// <c>&lt;patient|user|system&gt;/&lt;ResourceType|*&gt;.&lt;permissions&gt;[?name=value&amp;...]</c> where the
/// permissions are a non-empty subset of <c>cruds</c> in that order; the v1 spellings <c>read</c> (= <c>rs</c>),
/// <c>write</c> (= <c>cud</c>) and <c>*</c> (= <c>cruds</c>) are accepted as their v2 equivalents (without
/// qualifiers, which v1 did not have). The non-resource scopes (<c>openid</c>, <c>fhirUser</c>, <c>profile</c>,
/// <c>launch</c>, <c>launch/...</c>, <c>offline_access</c>, <c>online_access</c>) are kept but grant nothing.
/// Scopes are case-sensitive, as in the specification.
/// </summary>
internal sealed class SmartScope
{
    private static readonly HashSet<string> NonResourceNames = new(StringComparer.Ordinal)
    {
        "openid", "fhirUser", "profile", "launch", "offline_access", "online_access",
    };

    private static readonly IReadOnlyList<KeyValuePair<string, string>> NoQualifiers = [];

    private SmartScope(
        string value,
        SmartContext? context,
        string? resourceType,
        SmartPermissions permissions,
        bool isV1,
        IReadOnlyList<KeyValuePair<string, string>> qualifiers)
    {
        Value = value;
        Context = context;
        ResourceType = resourceType;
        Permissions = permissions;
        IsV1 = isV1;
        Qualifiers = qualifiers;
    }

    /// <summary>The scope exactly as the token carried it.</summary>
    public string Value { get; }

    /// <summary>True for <c>patient/</c>, <c>user/</c> and <c>system/</c> scopes; false for openid, launch and the like.</summary>
    [MemberNotNullWhen(true, nameof(Context), nameof(ResourceType))]
    public bool IsResourceScope => Context is not null;

    /// <summary>The context of a resource scope; null for a non-resource scope.</summary>
    public SmartContext? Context { get; }

    /// <summary>The resource type, or <c>*</c> for every type; null for a non-resource scope.</summary>
    public string? ResourceType { get; }

    public bool IsWildcardResourceType => ResourceType == "*";

    /// <summary>What the scope grants (v1 spellings already converted); <see cref="SmartPermissions.None"/> for non-resource scopes.</summary>
    public SmartPermissions Permissions { get; }

    /// <summary>True when the permissions were spelled <c>read</c>, <c>write</c> or <c>*</c>.</summary>
    public bool IsV1 { get; }

    /// <summary>
    /// The <c>?name=value</c> search parameters that confine the scope, percent-decoded, in the scope's order
    /// (a <c>+</c> stays a <c>+</c>). Empty when the scope is unqualified.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> Qualifiers { get; }

    public bool HasQualifiers => Qualifiers.Count > 0;

    /// <summary>The v2 spelling, e.g. <c>user/Observation.rs?category=laboratory</c> for <c>user/Observation.read?...</c>; the value itself for non-resource scopes.</summary>
    public string Normalized => IsResourceScope
        ? $"{Context.Value.ToScopePrefix()}/{ResourceType}.{Permissions.ToLetters()}{QueryPart()}"
        : Value;

    /// <summary>True when the scope's permissions include <paramref name="interaction"/> (whatever the context or type).</summary>
    public bool Allows(SmartInteraction interaction) => (Permissions & interaction.ToPermission()) != 0;

    /// <summary>
    /// True when this scope covers <paramref name="interaction"/> on <paramref name="resourceType"/> in
    /// <paramref name="context"/>, ignoring its qualifiers. A request for resource type <c>*</c> (every type)
    /// is covered only by a wildcard scope.
    /// </summary>
    public bool Covers(SmartContext context, string resourceType, SmartInteraction interaction)
    {
        ArgumentNullException.ThrowIfNull(resourceType);
        return IsResourceScope
            && Context == context
            && (IsWildcardResourceType || string.Equals(ResourceType, resourceType, StringComparison.Ordinal))
            && Allows(interaction);
    }

    public override string ToString() => Value;

    /// <summary>Parses one scope; never throws. False for anything that is neither a valid resource scope nor a known non-resource scope.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out SmartScope? scope)
    {
        scope = null;
        if (string.IsNullOrEmpty(text) || text.Any(char.IsWhiteSpace))
        {
            return false;
        }

        if (NonResourceNames.Contains(text) || IsLaunchContextScope(text))
        {
            scope = new SmartScope(text, null, null, SmartPermissions.None, false, NoQualifiers);
            return true;
        }

        var queryStart = text.IndexOf('?');
        var path = queryStart < 0 ? text : text[..queryStart];

        var slash = path.IndexOf('/');
        if (slash < 0 || !SmartScopeNames.TryParseContext(path[..slash], out var context))
        {
            return false;
        }

        var rest = path[(slash + 1)..];
        var dot = rest.IndexOf('.');
        if (dot < 0)
        {
            return false;
        }

        var resourceType = rest[..dot];
        if (resourceType != "*" && !IsResourceTypeName(resourceType))
        {
            return false;
        }

        if (!TryParsePermissions(rest[(dot + 1)..], out var permissions, out var isV1))
        {
            return false;
        }

        var qualifiers = NoQualifiers;
        if (queryStart >= 0)
        {
            // Qualifiers are a v2 feature: a v1 scope carrying them is not something we can interpret safely.
            if (isV1 || !TryParseQualifiers(text[(queryStart + 1)..], out qualifiers))
            {
                return false;
            }
        }

        scope = new SmartScope(text, context, resourceType, permissions, isV1, qualifiers);
        return true;
    }

    /// <summary>Parses one scope, throwing <see cref="FormatException"/> when it is invalid. For literals in code and configuration, not for tokens.</summary>
    public static SmartScope Parse(string text) =>
        TryParse(text, out var scope) ? scope : throw new FormatException($"'{text}' is not a valid SMART scope.");

    /// <summary>True for a FHIR resource type name: an upper-case ASCII letter followed by ASCII letters or digits.</summary>
    public static bool IsResourceTypeName(string? name)
    {
        if (string.IsNullOrEmpty(name) || !char.IsAsciiLetterUpper(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsLaunchContextScope(string text) =>
        text.StartsWith("launch/", StringComparison.Ordinal)
        && text.Length > "launch/".Length
        && text["launch/".Length..].All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    private static bool TryParsePermissions(string text, out SmartPermissions permissions, out bool isV1)
    {
        permissions = SmartPermissions.None;
        isV1 = true;
        switch (text)
        {
            case "read":
                permissions = SmartPermissions.Read | SmartPermissions.Search;
                return true;
            case "write":
                permissions = SmartPermissions.Create | SmartPermissions.Update | SmartPermissions.Delete;
                return true;
            case "*":
                permissions = SmartPermissions.All;
                return true;
        }

        isV1 = false;
        if (text.Length == 0)
        {
            return false;
        }

        // Strictly increasing positions in "cruds": a subset, no repeats, in order.
        var last = -1;
        foreach (var letter in text)
        {
            var position = SmartScopeNames.PermissionOrder.IndexOf(letter);
            if (position <= last)
            {
                permissions = SmartPermissions.None;
                return false;
            }

            permissions |= (SmartPermissions)(1 << position);
            last = position;
        }

        return true;
    }

    private static bool TryParseQualifiers(string query, out IReadOnlyList<KeyValuePair<string, string>> qualifiers)
    {
        qualifiers = NoQualifiers;
        if (query.Length == 0)
        {
            return false;
        }

        var list = new List<KeyValuePair<string, string>>();
        foreach (var part in query.Split('&'))
        {
            var equals = part.IndexOf('=');
            if (equals <= 0)
            {
                return false;
            }

            var name = Uri.UnescapeDataString(part[..equals]);
            var value = Uri.UnescapeDataString(part[(equals + 1)..]);
            if (name.Length == 0 || value.Length == 0)
            {
                return false;
            }

            list.Add(new KeyValuePair<string, string>(name, value));
        }

        qualifiers = list;
        return true;
    }

    private string QueryPart()
    {
        var queryStart = Value.IndexOf('?');
        return queryStart < 0 ? string.Empty : Value[queryStart..];
    }
}
