// A real OpenID provider for the OAuth tests: oidc-provider (https://github.com/panva/node-oidc-provider),
// run in this process on 127.0.0.1 and a free port, over plain http (the gateway is told
// RequireHttpsMetadata=false).
//
//   const idp = await startIdp();
//   const { access_token } = await idp.clientCredentials('clinician', { scope: 'user/*.cruds' });
//   ... await idp.stop();
//
// Clients use the client_credentials grant with client_secret_basic. Access tokens are JWTs (RFC 9068,
// typ at+jwt, RS256 with the key published in the provider's JWKS) because the token request names a
// resource (RFC 8707 resource indicator, feature resourceIndicators) whose resource server is configured with
// accessTokenFormat 'jwt', the gateway's audience and the SMART scopes it may grant. Each client's fixed
// claims (role, establishment, ...) are added to its access tokens by `extraTokenClaims`.
import { createServer } from 'node:http';
import { createPrivateKey, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import Provider from 'oidc-provider';

/** The resource indicator of the gateway (RFC 8707 wants an absolute URI) and the audience its tokens carry. */
export const GATEWAY_RESOURCE = 'urn:dsn:gateway';
export const GATEWAY_AUDIENCE = 'dsn-gateway';
/** Another API, to get tokens that are valid but not meant for the gateway. */
export const OTHER_RESOURCE = 'urn:example:other-api';
export const OTHER_AUDIENCE = 'other-api';

/** The SMART scopes the IdP may grant for the gateway (DESIGN.md, token claims). */
export const GATEWAY_SCOPES = [
  'user/*.cruds', 'user/*.rs', 'user/Patient.rs', 'user/MedicationRequest.rs', 'user/Procedure.rs',
  'patient/*.rs', 'user/AuditEvent.rs', 'system/*.cu', 'system/*.cruds',
];

/** The default clients: name -> the claims its access tokens carry. */
export const DEFAULT_CLIENTS = {
  clinician: { role: 'clinician', establishment: 'NIM' },
  'privacy-officer': { role: 'privacy-officer' },
};

/** An RS256 signing key as a private JWK (the provider publishes its public part in the JWKS). */
export function generateSigningJwk(kid = `conf-${randomUUID()}`) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
}

/** Signs a JWT with RS256 (for tokens the provider would not issue: expired ones, or from a foreign key). */
export function signJwt(payload, privateJwk, header = {}) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64({ alg: 'RS256', typ: 'at+jwt', kid: privateJwk.kid, ...header })}.${b64(payload)}`;
  const signature = sign('sha256', Buffer.from(input), createPrivateKey({ key: privateJwk, format: 'jwk' }));
  return `${input}.${signature.toString('base64url')}`;
}

/**
 * Starts the OpenID provider.
 * @param {object} [opts]
 * @param {Record<string, Record<string, string>>} [opts.clients] client name -> extra claims of its tokens
 * @param {number} [opts.accessTokenTtl=600] seconds
 */
export async function startIdp({ clients = DEFAULT_CLIENTS, accessTokenTtl = 600 } = {}) {
  // Listen first: the issuer URL needs the port.
  let handler = (req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = createServer((req, res) => handler(req, res));
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const issuer = `http://127.0.0.1:${server.address().port}`;

  const signingJwk = generateSigningJwk();
  const secrets = Object.fromEntries(Object.keys(clients).map((name) => [name, randomBytes(24).toString('base64url')]));
  const claimsByClient = new Map(Object.entries(clients));

  const resourceServers = {
    [GATEWAY_RESOURCE]: { audience: GATEWAY_AUDIENCE, scope: GATEWAY_SCOPES.join(' ') },
    [OTHER_RESOURCE]: { audience: OTHER_AUDIENCE, scope: GATEWAY_SCOPES.join(' ') },
  };

  const provider = new Provider(issuer, {
    clients: Object.keys(clients).map((name) => ({
      client_id: name,
      client_secret: secrets[name],
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    jwks: { keys: [signingJwk] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: false },
      revocation: { enabled: false },
      resourceIndicators: {
        enabled: true,
        // A token request without `resource` is for the gateway.
        defaultResource: async () => GATEWAY_RESOURCE,
        getResourceServerInfo: async (ctx, resourceIndicator) => {
          const info = resourceServers[resourceIndicator];
          if (!info) throw new Provider.errors.InvalidTarget(`unknown resource ${resourceIndicator}`);
          return { ...info, accessTokenFormat: 'jwt', accessTokenTTL: accessTokenTtl, jwt: { sign: { alg: 'RS256' } } };
        },
      },
    },
    // role, establishment, ... of the client, in its access tokens.
    extraTokenClaims: async (ctx, token) => claimsByClient.get(token.clientId),
    ttl: { ClientCredentials: accessTokenTtl },
  });
  // Quiet: errors are answered to the client as OAuth errors; the tests look at those.
  provider.on('server_error', (ctx, err) => console.error('oidc-provider server_error', err));
  handler = provider.callback();

  const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();

  /**
   * client_credentials at the token endpoint (plain fetch, client_secret_basic). Returns the token response
   * JSON; throws with the OAuth error otherwise.
   */
  async function clientCredentials(clientName, { scope, resource = GATEWAY_RESOURCE } = {}) {
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scope) body.set('scope', scope);
    if (resource) body.set('resource', resource);
    // RFC 6749 2.3.1: client id and secret are form-urlencoded before Basic.
    const basic = Buffer.from(`${encodeURIComponent(clientName)}:${encodeURIComponent(secrets[clientName])}`).toString('base64');
    const response = await fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    const json = await response.json();
    if (!response.ok) throw new Error(`token endpoint ${response.status}: ${JSON.stringify(json)}`);
    return json;
  }

  return {
    issuer,
    discovery,
    provider,
    signingJwk,
    clientCredentials,
    /** A JWT signed with the provider's own key, for claims it would not issue itself (e.g. already expired). */
    sign: (payload, header) => signJwt(payload, signingJwk, header),
    async stop() {
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The claims of a compact JWT (no verification: for assertions on what the IdP issued). */
export function jwtClaims(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

/** The header of a compact JWT. */
export function jwtHeader(token) {
  return JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());
}
