// FHIR R4 read/write conformance of the gateway, through an independent client (fhir-kit-client),
// every answer validated against the official R4 JSON schema. One gateway per file, fresh data dir.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startGateway } from '../lib/gateway.js';
import { assertValidBundle, assertValidResource, validateResource } from '../lib/schema.js';
import {
  allPages,
  assertBundleRules,
  assertFullUrls,
  assertOperationOutcome,
  expectHttpError,
  fhirClient,
  responseOf,
} from '../lib/fhir.js';

const SAMPLE_PATIENTS = ['sample-nim-tremblay', 'sample-mcq-gagnon', 'sample-both-cote'];
const SAMPLE_MEDICATION_REQUESTS = ['sample-mr-tremblay-1', 'sample-mr-gagnon-1', 'sample-mr-cote-1', 'sample-mr-cote-2'];
const SAMPLE_PROCEDURES = ['sample-proc-gagnon-1', 'sample-proc-cote-1'];

let gw;
let client;

before(async () => {
  gw = await startGateway();
  client = fhirClient(gw.fhirBase);
  // The oracle must be able to say no; otherwise every check below would pass vacuously.
  assert.equal(validateResource({ resourceType: 'Patient', gender: 42 }, 'Patient').valid, false);
});

after(async () => {
  await gw?.stop();
});

function newPatient(family, extra = {}) {
  return {
    resourceType: 'Patient',
    identifier: [{ system: 'urn:dsn:mrn:nim', value: `CONF-${randomUUID()}` }],
    name: [{ use: 'official', family, given: ['Test'] }],
    gender: 'female',
    birthDate: '1980-02-29',
    ...extra,
  };
}

describe('capability statement', () => {
  test('GET /fhir/metadata is an R4 (4.0.1) CapabilityStatement that validates', async () => {
    const cs = await client.capabilityStatement();
    assert.equal(responseOf(cs).status, 200);
    assert.match(responseOf(cs).headers.get('content-type'), /^application\/fhir\+json/);
    assertValidResource(cs, 'CapabilityStatement', 'metadata');
    assert.equal(cs.fhirVersion, '4.0.1');
    assert.ok(['instance', 'capability'].includes(cs.kind), `kind ${cs.kind}`);
    const server = cs.rest.find((r) => r.mode === 'server');
    assert.ok(server, 'a rest entry in server mode');
    const byType = new Map(server.resource.map((r) => [r.type, r]));
    for (const type of ['Patient', 'MedicationRequest', 'Procedure', 'Provenance', 'Practitioner', 'Organization', 'Medication']) {
      const r = byType.get(type);
      assert.ok(r, `${type} is declared`);
      const codes = r.interaction.map((i) => i.code);
      for (const code of ['read', 'vread', 'create', 'update', 'delete', 'history-instance', 'search-type']) {
        assert.ok(codes.includes(code), `${type} declares ${code}`);
      }
    }
    const systemCodes = (server.interaction ?? []).map((i) => i.code);
    assert.ok(systemCodes.includes('transaction') && systemCodes.includes('batch'), 'transaction and batch declared');
    assert.ok(byType.get('MedicationRequest').searchInclude?.includes('MedicationRequest:patient'));
  });
});

describe('read the sample data', () => {
  for (const id of SAMPLE_PATIENTS) {
    test(`read Patient/${id}`, async () => {
      const p = await client.read({ resourceType: 'Patient', id });
      assert.equal(responseOf(p).status, 200);
      assertValidResource(p, 'Patient', `Patient/${id}`);
      assert.equal(p.id, id);
      assert.ok(p.meta?.versionId, 'meta.versionId present');
      assert.ok(p.meta?.lastUpdated, 'meta.lastUpdated present');
    });
  }

  test('read the sample MedicationRequests and Procedures', async () => {
    for (const [resourceType, ids] of [['MedicationRequest', SAMPLE_MEDICATION_REQUESTS], ['Procedure', SAMPLE_PROCEDURES]]) {
      for (const id of ids) {
        const r = await client.read({ resourceType, id });
        assertValidResource(r, resourceType, `${resourceType}/${id}`);
        assert.equal(r.id, id);
        assert.match(r.subject.reference, /^Patient\/sample-/);
      }
    }
  });
});

describe('search', () => {
  test('MedicationRequest?_include=MedicationRequest:patient: Bundle and every entry validate', async () => {
    const first = await client.search({
      resourceType: 'MedicationRequest',
      searchParams: { _include: 'MedicationRequest:patient', _count: 50 },
    });
    const pages = await allPages(client, first);
    const matches = [];
    const included = new Map();
    for (const page of pages) {
      assertValidBundle(page, 'MedicationRequest search');
      assertBundleRules(page, 'MedicationRequest search');
      assert.equal(page.type, 'searchset');
      for (const e of page.entry ?? []) {
        if (e.search?.mode === 'match') {
          assert.equal(e.resource.resourceType, 'MedicationRequest');
          matches.push(e.resource);
        } else {
          assert.equal(e.search?.mode, 'include', 'entries are match or include');
          assert.equal(e.resource.resourceType, 'Patient');
          included.set(e.resource.id, e.resource);
        }
      }
    }
    for (const id of SAMPLE_MEDICATION_REQUESTS) {
      assert.ok(matches.some((m) => m.id === id), `${id} found`);
    }
    if (first.total !== undefined) assert.equal(first.total, matches.length, 'total counts the matches only');
    for (const mr of matches) {
      const patientId = mr.subject.reference.replace(/^Patient\//, '');
      assert.ok(included.has(patientId), `the Patient of ${mr.id} (${patientId}) is included`);
    }
  });

  test('Patient search by identifier (token system|value) finds the sample patient', async () => {
    const bundle = await client.search({
      resourceType: 'Patient',
      searchParams: { identifier: 'urn:dsn:mrn:nim|NIM000101' },
    });
    assertValidBundle(bundle, 'Patient?identifier');
    assertBundleRules(bundle, 'Patient?identifier');
    assert.deepEqual(bundle.entry.map((e) => e.resource.id), ['sample-nim-tremblay']);
    assertFullUrls(bundle, gw.fhirBase, 'Patient?identifier');
  });
});

describe('create, read, update, vread, history, delete a Patient', () => {
  test('the whole life of a Patient through fhir-kit-client', async () => {
    // create
    const created = await client.create({ resourceType: 'Patient', body: newPatient('Cycle') });
    const createResponse = responseOf(created);
    assert.equal(createResponse.status, 201, 'create answers 201');
    assertValidResource(created, 'Patient', 'create');
    const { id } = created;
    assert.ok(id, 'the server assigned an id');
    assert.match(id, /^[A-Za-z0-9\-.]{1,64}$/, 'a valid FHIR id');
    assert.equal(created.meta.versionId, '1');
    const location = createResponse.headers.get('location');
    assert.ok(location, 'Location header');
    assert.ok(location.startsWith(`${gw.fhirBase}/Patient/${id}`) || location.startsWith(`Patient/${id}`), `Location ${location}`);
    assert.match(createResponse.headers.get('etag') ?? '', /^W\/"1"$/, 'ETag W/"1"');

    // read
    const read = await client.read({ resourceType: 'Patient', id });
    assertValidResource(read, 'Patient', 'read');
    assert.equal(read.name[0].family, 'Cycle');
    assert.equal(read.birthDate, '1980-02-29');

    // update
    const changed = { ...read, gender: 'other', name: [{ use: 'official', family: 'Cycle-Deux', given: ['Test'] }] };
    const updated = await client.update({ resourceType: 'Patient', id, body: changed });
    assert.equal(responseOf(updated).status, 200, 'update of an existing resource answers 200');
    assertValidResource(updated, 'Patient', 'update');
    assert.equal(updated.meta.versionId, '2');
    assert.equal(updated.gender, 'other');

    // vread both versions
    const v1 = await client.vread({ resourceType: 'Patient', id, version: '1' });
    assertValidResource(v1, 'Patient', 'vread 1');
    assert.equal(v1.meta.versionId, '1');
    assert.equal(v1.gender, 'female');
    assert.equal(v1.name[0].family, 'Cycle');
    const v2 = await client.vread({ resourceType: 'Patient', id, version: '2' });
    assertValidResource(v2, 'Patient', 'vread 2');
    assert.equal(v2.gender, 'other');

    // history
    const history = await client.history({ resourceType: 'Patient', id });
    assertValidBundle(history, 'history');
    assertBundleRules(history, 'history');
    assert.equal(history.type, 'history');
    assert.deepEqual(history.entry.map((e) => e.resource.meta.versionId), ['2', '1'], 'newest first');

    // delete
    const deleted = await client.delete({ resourceType: 'Patient', id });
    assert.ok([200, 204].includes(responseOf(deleted).status), `delete answers ${responseOf(deleted).status}`);
    if (deleted.resourceType) assertValidResource(deleted, 'OperationOutcome', 'delete');
    const gone = await expectHttpError(client.read({ resourceType: 'Patient', id }));
    assert.equal(gone.status, 410, 'a deleted resource reads as 410 Gone');
    assertOperationOutcome(gone.body, 'read after delete');

    // history keeps the deletion
    const after = await client.history({ resourceType: 'Patient', id });
    assertValidBundle(after, 'history after delete');
    assertBundleRules(after, 'history after delete');
    assert.equal(after.entry.length, 3);
    assert.equal(after.entry[0].request.method, 'DELETE', 'the newest history entry is the deletion');
    assert.equal(after.entry[0].resource, undefined, 'a deletion has no resource');
  });
});

describe('transaction', () => {
  test('urn:uuid references are resolved; conditional create does not duplicate the Patient', async () => {
    const mrn = `CONF-TX-${randomUUID()}`;
    const patientUrn = `urn:uuid:${randomUUID()}`;
    const transaction = () => ({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: patientUrn,
          resource: {
            resourceType: 'Patient',
            identifier: [{ system: 'urn:dsn:mrn:mcq', value: mrn }],
            name: [{ family: 'Transaction', given: ['Test'] }],
          },
          request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=urn:dsn:mrn:mcq|${mrn}` },
        },
        {
          fullUrl: `urn:uuid:${randomUUID()}`,
          resource: {
            resourceType: 'MedicationRequest',
            status: 'active',
            intent: 'order',
            medicationCodeableConcept: {
              coding: [{ system: 'http://hl7.org/fhir/NamingSystem/ca-hc-din', code: '02242903' }],
            },
            subject: { reference: patientUrn },
          },
          request: { method: 'POST', url: 'MedicationRequest' },
        },
      ],
    });
    const body = transaction();
    assertValidBundle(body, 'the request itself');

    const response = await client.transaction({ body });
    assertValidBundle(response, 'transaction-response');
    assertBundleRules(response, 'transaction-response');
    assert.equal(response.type, 'transaction-response');
    assert.equal(response.entry.length, 2, 'one response entry per request entry, in order');
    assert.match(response.entry[0].response.status, /^201/);
    assert.match(response.entry[1].response.status, /^201/);

    const location = (e) => e.response.location.replace(`${gw.fhirBase}/`, '');
    const [pType, patientId] = location(response.entry[0]).split('/');
    const [mType, mrId] = location(response.entry[1]).split('/');
    assert.equal(pType, 'Patient');
    assert.equal(mType, 'MedicationRequest');

    const mr = await client.read({ resourceType: 'MedicationRequest', id: mrId });
    assertValidResource(mr, 'MedicationRequest', 'stored MedicationRequest');
    assert.equal(mr.subject.reference, `Patient/${patientId}`, 'the urn:uuid became the real Patient id');
    const patient = await client.read({ resourceType: 'Patient', id: patientId });
    assertValidResource(patient, 'Patient', 'stored Patient');

    // The same transaction again: the conditional create matches, no second Patient.
    const again = await client.transaction({ body: transaction() });
    assertValidBundle(again, 'second transaction-response');
    assertBundleRules(again, 'second transaction-response');
    assert.match(again.entry[0].response.status, /^200/, 'conditional create matched: 200');
    const mr2Id = location(again.entry[1]).split('/')[1];
    const mr2 = await client.read({ resourceType: 'MedicationRequest', id: mr2Id });
    assert.equal(mr2.subject.reference, `Patient/${patientId}`, 'refers to the existing Patient');
    const found = await client.search({ resourceType: 'Patient', searchParams: { identifier: `urn:dsn:mrn:mcq|${mrn}` } });
    assert.equal(found.entry.length, 1, 'exactly one Patient carries the MRN');
  });

  test('a failing transaction writes nothing and answers an OperationOutcome', async () => {
    const mrn = `CONF-TXFAIL-${randomUUID()}`;
    const { status, body } = await expectHttpError(
      client.transaction({
        body: {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [
            {
              fullUrl: `urn:uuid:${randomUUID()}`,
              resource: { resourceType: 'Patient', identifier: [{ system: 'urn:dsn:mrn:nim', value: mrn }] },
              request: { method: 'POST', url: 'Patient' },
            },
            {
              fullUrl: `urn:uuid:${randomUUID()}`,
              resource: { resourceType: 'MedicationRequest', intent: 'order', subject: { reference: 'Patient/sample-nim-tremblay' } },
              request: { method: 'POST', url: 'MedicationRequest' },
            },
          ],
        },
      }),
    );
    assert.ok(status >= 400 && status < 500, `4xx, got ${status}`);
    assertOperationOutcome(body, 'failed transaction');
    const found = await client.search({ resourceType: 'Patient', searchParams: { identifier: `urn:dsn:mrn:nim|${mrn}` } });
    assert.equal(found.entry?.length ?? 0, 0, 'the Patient of the failed transaction was not written');
  });

  test('transaction-response fullUrls are absolute URLs (R4 Bundle.entry.fullUrl)', async () => {
    const response = await client.transaction({
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ fullUrl: `urn:uuid:${randomUUID()}`, resource: newPatient('FullUrl'), request: { method: 'POST', url: 'Patient' } }],
      },
    });
    assert.match(response.entry[0].fullUrl, /^https?:\/\//);
    assertFullUrls(response, gw.fhirBase, 'transaction-response');
  });
});

describe('paging', () => {
  test('next links via nextPage: all under the /fhir base, every match once, none twice', async () => {
    const family = `Paging${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const ids = new Set();
    for (let i = 0; i < 7; i++) {
      const p = await client.create({ resourceType: 'Patient', body: newPatient(family) });
      ids.add(p.id);
    }
    const first = await client.search({ resourceType: 'Patient', searchParams: { family, _count: 2 } });
    const pages = await allPages(client, first);
    assert.equal(pages.length, 4, '7 matches at 2 per page is 4 pages');
    const seen = [];
    for (const [n, page] of pages.entries()) {
      assertValidBundle(page, `page ${n}`);
      assertBundleRules(page, `page ${n}`);
      assert.equal(page.type, 'searchset');
      assert.ok((page.entry?.length ?? 0) <= 2, `page ${n} respects _count`);
      for (const link of page.link ?? []) {
        assert.ok(link.url.startsWith(`${gw.fhirBase}/`), `page ${n} link ${link.relation} ${link.url} is under ${gw.fhirBase}/`);
      }
      assert.ok(page.link.some((l) => l.relation === 'self'), `page ${n} has a self link`);
      assertFullUrls(page, gw.fhirBase, `page ${n}`);
      seen.push(...(page.entry ?? []).map((e) => e.resource.id));
    }
    assert.equal(new Set(seen).size, seen.length, `no duplicates across pages: ${seen}`);
    assert.deepEqual(new Set(seen), ids, 'every created Patient is found, and nothing else');
    if (first.total !== undefined) assert.equal(first.total, 7);
  });

  test('paging with _include and _count=1 returns every MedicationRequest once', async () => {
    const first = await client.search({
      resourceType: 'MedicationRequest',
      searchParams: { _include: 'MedicationRequest:patient', _count: 1 },
    });
    const pages = await allPages(client, first);
    const matches = [];
    for (const [n, page] of pages.entries()) {
      assertValidBundle(page, `page ${n}`);
      assertBundleRules(page, `page ${n}`);
      for (const link of page.link ?? []) assert.ok(link.url.startsWith(`${gw.fhirBase}/`), `${link.url}`);
      const m = (page.entry ?? []).filter((e) => e.search?.mode === 'match');
      assert.ok(m.length <= 1, `page ${n} has at most one match`);
      matches.push(...m.map((e) => e.resource.id));
    }
    assert.equal(new Set(matches).size, matches.length, `no duplicates: ${matches}`);
    for (const id of SAMPLE_MEDICATION_REQUESTS) assert.ok(matches.includes(id), `${id} reached by paging`);
  });
});

describe('Patient/{id}/$everything', () => {
  test('returns the Patient and its records, valid', async () => {
    const bundle = await client.operation({ name: '$everything', resourceType: 'Patient', id: 'sample-both-cote', method: 'GET' });
    assertValidBundle(bundle, '$everything');
    assertBundleRules(bundle, '$everything');
    const refs = bundle.entry.map((e) => `${e.resource.resourceType}/${e.resource.id}`);
    for (const r of ['Patient/sample-both-cote', 'MedicationRequest/sample-mr-cote-1', 'MedicationRequest/sample-mr-cote-2', 'Procedure/sample-proc-cote-1']) {
      assert.ok(refs.includes(r), `${r} in $everything (got ${refs})`);
    }
    for (const r of refs.filter((x) => !x.startsWith('Patient/'))) {
      assert.ok(!r.includes('tremblay') && !r.includes('gagnon'), `${r} belongs to another patient`);
    }
  });

  test('$everything links and fullUrls are right', async () => {
    const bundle = await client.operation({ name: '$everything', resourceType: 'Patient', id: 'sample-both-cote', method: 'GET' });
    const selfUrl = `${gw.fhirBase}/Patient/sample-both-cote/$everything`;
    const wrong = [
      ...(bundle.link ?? []).filter((l) => l.relation === 'self' && !l.url.startsWith(selfUrl)).map((l) => `self ${l.url}`),
      ...(bundle.link ?? []).filter((l) => !l.url.startsWith(`${gw.fhirBase}/`)).map((l) => `${l.relation} ${l.url}`),
      ...(bundle.entry ?? [])
        .filter((e) => e.fullUrl !== `${gw.fhirBase}/${e.resource.resourceType}/${e.resource.id}`)
        .map((e) => `fullUrl ${e.fullUrl}`),
    ];
    assert.deepEqual(wrong, []);
    assertFullUrls(bundle, gw.fhirBase, '$everything');
  });
});

describe('errors are OperationOutcomes', () => {
  test('404 for an unknown id', async () => {
    const { status, body } = await expectHttpError(client.read({ resourceType: 'Patient', id: 'does-not-exist' }));
    assert.equal(status, 404);
    assertOperationOutcome(body, '404');
    assert.ok(body.issue.some((i) => i.code === 'not-found'), 'issue code not-found');
  });

  test('404 for an unknown version', async () => {
    const { status, body } = await expectHttpError(client.vread({ resourceType: 'Patient', id: 'sample-nim-tremblay', version: '999' }));
    assert.equal(status, 404);
    assertOperationOutcome(body, 'vread 404');
  });

  test('400 for an unknown search parameter', async () => {
    const { status, body } = await expectHttpError(
      client.search({ resourceType: 'Patient', searchParams: { 'not-a-parameter': 'x' } }),
    );
    assert.equal(status, 400);
    assertOperationOutcome(body, '400 unknown search parameter');
  });

  test('422 for a Patient with a gender outside the value set', async () => {
    const { status, body } = await expectHttpError(
      client.create({ resourceType: 'Patient', body: newPatient('Invalid', { gender: 'banana' }) }),
    );
    assert.equal(status, 422);
    assertOperationOutcome(body, '422 gender');
  });

  test('422 for a Patient with an impossible birthDate', async () => {
    const { status, body } = await expectHttpError(
      client.create({ resourceType: 'Patient', body: newPatient('Invalid', { birthDate: '1985-13-45' }) }),
    );
    assert.equal(status, 422);
    assertOperationOutcome(body, '422 birthDate');
  });

  test('422 for a MedicationRequest without its required status', async () => {
    const { status, body } = await expectHttpError(
      client.create({
        resourceType: 'MedicationRequest',
        body: { resourceType: 'MedicationRequest', intent: 'order', subject: { reference: 'Patient/sample-nim-tremblay' } },
      }),
    );
    assert.equal(status, 422);
    assertOperationOutcome(body, '422 MedicationRequest.status');
  });

  test('400 or 422 for structurally invalid JSON resources (wrong JSON type, unknown element)', async () => {
    for (const bad of [newPatient('Invalid', { gender: 42 }), newPatient('Invalid', { favouriteColour: 'blue' })]) {
      const { status, body } = await expectHttpError(client.create({ resourceType: 'Patient', body: bad }));
      assert.ok([400, 422].includes(status), `400 or 422, got ${status}`);
      assertOperationOutcome(body, 'structurally invalid');
    }
  });

  test('nothing invalid was stored', async () => {
    const bundle = await client.search({ resourceType: 'Patient', searchParams: { family: 'Invalid' } });
    assert.equal(bundle.entry?.length ?? 0, 0);
  });
});
