namespace DsnGateway.SmartScopes;

/// <summary>The context prefix of a SMART resource scope (<c>patient/</c>, <c>user/</c>, <c>system/</c>).</summary>
public enum SmartContext
{
    /// <summary><c>patient/</c>: access confined to the patient in context (the token's <c>patient</c> claim).</summary>
    Patient,

    /// <summary><c>user/</c>: whatever the user may see.</summary>
    User,

    /// <summary><c>system/</c>: a backend service, no user.</summary>
    System,
}

/// <summary>A FHIR interaction as a SMART v2 permission letter; <c>(char)interaction</c> is the letter.</summary>
public enum SmartInteraction
{
    Create = 'c',
    Read = 'r',
    Update = 'u',
    Delete = 'd',
    Search = 's',
}

/// <summary>The permissions of one scope: a subset of <c>cruds</c>.</summary>
[Flags]
public enum SmartPermissions
{
    None = 0,
    Create = 1,
    Read = 2,
    Update = 4,
    Delete = 8,
    Search = 16,
    All = Create | Read | Update | Delete | Search,
}

/// <summary>Conversions between contexts, interactions, permissions and their SMART spellings.</summary>
internal static class SmartScopeNames
{
    /// <summary>The permission letters in the only order SMART v2 allows.</summary>
    public const string PermissionOrder = "cruds";

    public static string ToScopePrefix(this SmartContext context) => context switch
    {
        SmartContext.Patient => "patient",
        SmartContext.User => "user",
        SmartContext.System => "system",
        _ => throw new ArgumentOutOfRangeException(nameof(context), context, "Unknown SMART context."),
    };

    public static bool TryParseContext(string? text, out SmartContext context)
    {
        switch (text)
        {
            case "patient": context = SmartContext.Patient; return true;
            case "user": context = SmartContext.User; return true;
            case "system": context = SmartContext.System; return true;
            default: context = default; return false;
        }
    }

    public static char ToLetter(this SmartInteraction interaction) => interaction switch
    {
        SmartInteraction.Create or SmartInteraction.Read or SmartInteraction.Update
            or SmartInteraction.Delete or SmartInteraction.Search => (char)interaction,
        _ => throw new ArgumentOutOfRangeException(nameof(interaction), interaction, "Unknown SMART interaction."),
    };

    public static SmartPermissions ToPermission(this SmartInteraction interaction) => interaction switch
    {
        SmartInteraction.Create => SmartPermissions.Create,
        SmartInteraction.Read => SmartPermissions.Read,
        SmartInteraction.Update => SmartPermissions.Update,
        SmartInteraction.Delete => SmartPermissions.Delete,
        SmartInteraction.Search => SmartPermissions.Search,
        _ => throw new ArgumentOutOfRangeException(nameof(interaction), interaction, "Unknown SMART interaction."),
    };

    /// <summary>The v2 letters of <paramref name="permissions"/>, in <c>cruds</c> order (empty for none).</summary>
    public static string ToLetters(this SmartPermissions permissions)
    {
        Span<char> letters = stackalloc char[5];
        var count = 0;
        for (var i = 0; i < PermissionOrder.Length; i++)
        {
            if ((permissions & (SmartPermissions)(1 << i)) != 0)
            {
                letters[count++] = PermissionOrder[i];
            }
        }

        return new string(letters[..count]);
    }
}
