// OAuth 2 / SMART with a real OpenID provider (oidc-provider, lib/idp.js): the gateway runs in Production,
// without its development issuer and without sample data, and trusts only the provider named by
// Authentication:Authority (discovery document and JWKS over http, RequireHttpsMetadata=false).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mintDevelopmentToken, startGateway } from '../lib/gateway.js';
import { GATEWAY_AUDIENCE, OTHER_RESOURCE, generateSigningJwk, jwtClaims, jwtHeader, signJwt, startIdp } from '../lib/idp.js';
import { assertValidBundle, assertValidResource } from '../lib/schema.js';
import { assertOperationOutcome, expectHttpError, fhirClient, responseOf } from '../lib/fhir.js';

let idp;
let gw;

before(async () => {
  idp = await startIdp();
  gw = await startGateway({
    environment: 'Production',
    extraArgs: ['--no-sample-data'],
    env: {
      DSN_Authentication__Authority: idp.issuer,
      DSN_Authentication__RequireHttpsMetadata: 'false',
      DSN_Authentication__Audience: GATEWAY_AUDIENCE,
      DSN_Authentication__DevelopmentIssuer__Enabled: 'false',
      // Production refuses to start without the audit checkpoint key (docs/arch/0014); this throwaway data directory
      // has none, so the gateway is told to create it, as an operator may on a first start.
      DSN_Audit__Checkpoints__CreateKey: 'true',
    },
  });
});

after(async () => {
  await gw?.stop();
  await idp?.stop();
});

async function clinicianToken() {
  return (await idp.clientCredentials('clinician', { scope: 'user/*.cruds' })).access_token;
}

/** The claims of a token the IdP would issue to the clinician client now, to re-sign with changes. */
async function clinicianClaims() {
  return jwtClaims(await clinicianToken());
}

describe('the OpenID provider (sanity of the test set-up)', () => {
  test('client_credentials gives a JWT access token for the gateway with the SMART scope and role claims', async () => {
    const response = await idp.clientCredentials('clinician', { scope: 'user/*.cruds' });
    assert.equal(response.token_type, 'Bearer');
    assert.equal(response.scope, 'user/*.cruds');
    const header = jwtHeader(response.access_token);
    assert.equal(header.alg, 'RS256');
    assert.equal(header.typ, 'at+jwt');
    const claims = jwtClaims(response.access_token);
    assert.equal(claims.iss, idp.issuer);
    assert.equal(claims.aud, GATEWAY_AUDIENCE);
    assert.equal(claims.scope, 'user/*.cruds');
    assert.equal(claims.role, 'clinician');
    assert.equal(claims.establishment, 'NIM');
    assert.ok(claims.exp > Date.now() / 1000);
  });

  test('the gateway is in Production and does not trust a development token (401)', async () => {
    assert.equal(gw.environment, 'Production');
    await assert.rejects(gw.token({ sub: 'x', scope: 'user/*.cruds', role: 'clinician', establishment: 'NIM' }), /Production/);
    // Minted by the CLI for the gateway's own data directory all the same: still not trusted in Production.
    const development = await mintDevelopmentToken(gw.dataDir, { sub: 'dr.dev', scope: 'user/*.cruds', role: 'clinician', establishment: 'NIM' });
    const { status, body } = await expectHttpError(fhirClient(gw.fhirBase, { bearerToken: development }).search({ resourceType: 'Patient' }));
    assert.equal(status, 401);
    assertOperationOutcome(body, '401 development token in Production');
  });
});

describe('a token from the OpenID provider', () => {
  test('a NIM clinician creates a Patient (201) and reads it back (200)', async () => {
    const client = fhirClient(gw.fhirBase, { bearerToken: await clinicianToken() });
    const mrn = `CONF-OIDC-${randomUUID()}`;
    const created = await client.create({
      resourceType: 'Patient',
      body: {
        resourceType: 'Patient',
        identifier: [{ system: 'urn:dsn:mrn:nim', value: mrn }],
        name: [{ family: 'Oidc', given: ['Test'] }],
        gender: 'male',
        birthDate: '1970-01-01',
      },
    });
    assert.equal(responseOf(created).status, 201);
    assertValidResource(created, 'Patient', 'create');
    const read = await client.read({ resourceType: 'Patient', id: created.id });
    assert.equal(responseOf(read).status, 200);
    assertValidResource(read, 'Patient', 'read');
    assert.equal(read.id, created.id);
    assert.deepEqual(read.identifier.find((i) => i.system === 'urn:dsn:mrn:nim')?.value, mrn);
  });

  test('a Patient without a NIM MRN is refused to the NIM clinician (403)', async () => {
    const client = fhirClient(gw.fhirBase, { bearerToken: await clinicianToken() });
    const { status, body } = await expectHttpError(
      client.create({
        resourceType: 'Patient',
        body: { resourceType: 'Patient', identifier: [{ system: 'urn:dsn:mrn:mcq', value: `CONF-${randomUUID()}` }] },
      }),
    );
    assert.equal(status, 403);
    assertOperationOutcome(body, '403 MCQ-only Patient');
  });

  test('a token for another audience is 401', async () => {
    const other = await idp.clientCredentials('clinician', { scope: 'user/*.cruds', resource: OTHER_RESOURCE });
    assert.notEqual(jwtClaims(other.access_token).aud, GATEWAY_AUDIENCE, 'the IdP did issue a token for another API');
    const { status, body } = await expectHttpError(
      fhirClient(gw.fhirBase, { bearerToken: other.access_token }).search({ resourceType: 'Patient' }),
    );
    assert.equal(status, 401);
    assertOperationOutcome(body, '401 wrong audience');
  });

  test('an expired token signed by the provider\'s own key is 401', async () => {
    // The provider does not issue expired tokens; this one is signed with its key (published in its JWKS),
    // with the claims it issues, expired ten minutes ago (beyond any clock skew allowance).
    const now = Math.floor(Date.now() / 1000);
    const expired = idp.sign({ ...(await clinicianClaims()), iat: now - 1200, exp: now - 600, jti: randomUUID() });
    // The same token, not expired, is accepted: only the expiry is wrong.
    const fresh = idp.sign({ ...(await clinicianClaims()), jti: randomUUID() });
    await fhirClient(gw.fhirBase, { bearerToken: fresh }).search({ resourceType: 'Patient', searchParams: { _count: 1 } });
    const { status, body } = await expectHttpError(
      fhirClient(gw.fhirBase, { bearerToken: expired }).search({ resourceType: 'Patient' }),
    );
    assert.equal(status, 401);
    assertOperationOutcome(body, '401 expired');
  });

  test('a token with the right claims signed by a key the provider does not publish is 401', async () => {
    const foreignKey = generateSigningJwk(idp.signingJwk.kid); // same kid, other key
    const forged = signJwt({ ...(await clinicianClaims()), jti: randomUUID() }, foreignKey);
    const { status, body } = await expectHttpError(
      fhirClient(gw.fhirBase, { bearerToken: forged }).search({ resourceType: 'Patient' }),
    );
    assert.equal(status, 401);
    assertOperationOutcome(body, '401 foreign key');
  });

  test('no token is 401', async () => {
    const { status, body } = await expectHttpError(fhirClient(gw.fhirBase).search({ resourceType: 'Patient' }));
    assert.equal(status, 401);
    assertOperationOutcome(body, '401 no token');
  });
});

describe('a privacy officer with a token from the OpenID provider', () => {
  test('reads the access audit: valid AuditEvents, naming the OAuth client', async () => {
    const po = fhirClient(gw.fhirBase, {
      bearerToken: (await idp.clientCredentials('privacy-officer', { scope: 'user/AuditEvent.rs' })).access_token,
    });
    const bundle = await po.search({ resourceType: 'AuditEvent', searchParams: { _count: 100 } });
    assertValidBundle(bundle, 'AuditEvent search');
    assert.equal(bundle.type, 'searchset');
    const events = (bundle.entry ?? []).map((e) => assertValidResource(e.resource, 'AuditEvent', `AuditEvent/${e.resource.id}`));
    assert.ok(events.length > 0, 'the requests of this file were audited');
    assert.ok(
      events.some((e) => JSON.stringify(e.agent ?? []).includes('"clinician"')),
      'an AuditEvent names the clinician OAuth client or subject',
    );
  });
});

describe('SMART discovery names the OpenID provider', () => {
  test('/fhir/.well-known/smart-configuration lists the provider\'s endpoints and S256', async () => {
    const response = await fetch(`${gw.fhirBase}/.well-known/smart-configuration`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    const smart = await response.json();
    assert.equal(smart.token_endpoint, idp.discovery.token_endpoint);
    assert.equal(smart.authorization_endpoint, idp.discovery.authorization_endpoint);
    assert.deepEqual(smart.code_challenge_methods_supported, ['S256']);
    assert.equal(smart.issuer, idp.issuer);
    assert.equal(smart.jwks_uri, idp.discovery.jwks_uri);
    assert.ok(Array.isArray(smart.capabilities) && smart.capabilities.length > 0, 'capabilities (required by SMART)');
    assert.ok(smart.grant_types_supported.includes('client_credentials'));
  });

  test('/fhir/metadata carries the SMART oauth-uris extension with the provider\'s token endpoint', async () => {
    const cs = await fhirClient(gw.fhirBase).capabilityStatement();
    assertValidResource(cs, 'CapabilityStatement', 'metadata');
    const security = cs.rest.find((r) => r.mode === 'server').security;
    assert.ok(security, 'rest.security');
    const oauth = security.extension?.find((e) => e.url === 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris');
    assert.ok(oauth, 'the oauth-uris extension');
    const uri = (name) => oauth.extension.find((e) => e.url === name)?.valueUri;
    assert.equal(uri('token'), idp.discovery.token_endpoint);
    assert.equal(uri('authorize'), idp.discovery.authorization_endpoint);
    assert.ok(
      security.service?.some((s) => s.coding?.some((c) => c.system === 'http://terminology.hl7.org/CodeSystem/restful-security-service' && c.code === 'SMART-on-FHIR')),
      'service SMART-on-FHIR',
    );
  });
});
