// The FHIR API for a system sender, in a deployment that allows it (Access:SystemMayUseFhirApi=true): a
// `system` token (system/*.cruds) has no care relationship, so it is not confined to its establishment's
// patients; transaction and batch Bundles stay refused on /fhir (system senders write them through
// ingestion). Without that setting a system token gets 403 (test/fhir-read-write.test.js).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startGateway } from '../lib/gateway.js';
import { assertValidBundle, assertValidResource } from '../lib/schema.js';
import { assertBundleRules, assertOperationOutcome, expectHttpError, fhirClient } from '../lib/fhir.js';

const SAMPLE_PATIENTS = ['sample-nim-tremblay', 'sample-mcq-gagnon', 'sample-both-cote'];

let gw;
let system;

before(async () => {
  gw = await startGateway({ env: { DSN_Access__SystemMayUseFhirApi: 'true' } });
  system = fhirClient(gw.fhirBase, {
    bearerToken: await gw.token({ sub: 'sys.test', scope: 'system/*.cruds', role: 'system', establishment: 'NIM' }),
  });
});

after(async () => {
  await gw?.stop();
});

describe('system token with Access:SystemMayUseFhirApi=true', () => {
  test('reads every sample Patient, of either establishment (no care relationship)', async () => {
    for (const id of SAMPLE_PATIENTS) {
      const p = await system.read({ resourceType: 'Patient', id });
      assertValidResource(p, 'Patient', `Patient/${id}`);
      assert.equal(p.id, id);
    }
    const bundle = await system.search({ resourceType: 'Patient', searchParams: { _count: 50 } });
    assertValidBundle(bundle, 'Patient search');
    assertBundleRules(bundle, 'Patient search');
    const ids = bundle.entry.map((e) => e.resource.id);
    for (const id of SAMPLE_PATIENTS) assert.ok(ids.includes(id), `${id} found`);
  });

  test('a transaction is still 403 with a valid OperationOutcome, and writes nothing', async () => {
    const mrn = `CONF-SYS-TX-${randomUUID()}`;
    const body = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: `urn:uuid:${randomUUID()}`,
          resource: { resourceType: 'Patient', identifier: [{ system: 'urn:dsn:mrn:nim', value: mrn }], name: [{ family: 'SysTx' }] },
          request: { method: 'POST', url: 'Patient' },
        },
      ],
    };
    assertValidBundle(body, 'the request itself');
    const { status, body: outcome } = await expectHttpError(system.transaction({ body }));
    assert.equal(status, 403);
    assertOperationOutcome(outcome, 'system transaction');
    const found = await system.search({ resourceType: 'Patient', searchParams: { identifier: `urn:dsn:mrn:nim|${mrn}` } });
    assert.equal(found.entry?.length ?? 0, 0, 'nothing written');
  });
});
