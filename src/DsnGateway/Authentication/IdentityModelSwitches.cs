using System.Runtime.CompilerServices;

namespace DsnGateway.Authentication;

/// <summary>
/// A token naming a kid not in the JWKS makes the token handler ask for a refresh and validate again. With
/// IdentityModel 8's default the refresh runs in the background and that retry sees the old keys, so the first request
/// after a provider's key rollover is refused; blocking, the retry sees the new JWKS (still at most one refresh per
/// RefreshInterval, so unknown kids cannot make the gateway hammer the provider). IdentityModel reads the switch once
/// and keeps that first answer for the life of the process, so it is set when this assembly loads, before any
/// IdentityModel code of the gateway, the <c>store</c> command or a test host can have read it; set later, while
/// configuring authentication, it was lost whenever something had validated a token first.
/// </summary>
internal static class IdentityModelSwitches
{
    public const string UpdateConfigAsBlocking = "Switch.Microsoft.IdentityModel.UpdateConfigAsBlocking";

    [ModuleInitializer]
    internal static void Set() => AppContext.SetSwitch(UpdateConfigAsBlocking, true);
}
