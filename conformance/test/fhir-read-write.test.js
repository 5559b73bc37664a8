// FHIR R4 read/write conformance of the gateway, through an independent client (fhir-kit-client),
// every answer validated against the official R4 JSON schema. One gateway per file, fresh data dir.
// Every /fhir request carries a bearer token minted by the gateway's CLI (Development issuer): a NIM
// clinician with user/*.cruds, who sees the patients carrying a NIM MRN (care relationship).
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

// Visible to a NIM clinician (a urn:dsn:mrn:nim identifier) ...
const NIM_PATIENTS = ['sample-nim-tremblay', 'sample-both-cote'];
const NIM_MEDICATION_REQUESTS = ['sample-mr-tremblay-1', 'sample-mr-cote-1', 'sample-mr-cote-2'];
const NIM_PROCEDURES = ['sample-proc-cote-1'];
// ... and outside the care relationship (MCQ only): 403, readable with break-the-glass.
const MCQ_PATIENT = 'sample-mcq-gagnon';
const MCQ_RECORDS = [['MedicationRequest', 'sample-mr-gagnon-1'], ['Procedure', 'sample-proc-gagnon-1']];

const CLINICIAN = { sub: 'dr.test', scope: 'user/*.cruds', role: 'clinician', establishment: 'NIM' };
const PRIVACY_OFFICER = { sub: 'po.test', scope: 'user/AuditEvent.rs', role: 'privacy-officer' };
const SYSTEM = { sub: 'sys.test', scope: 'system/*.cruds', role: 'system', establishment: 'NIM' };
const BREAK_GLASS_REASON = 'conformance test: emergency care';

let gw;
let client; // the NIM clinician
let breakGlass; // the same clinician, with X-Break-Glass
let anonymous; // no token at all

before(async () => {
  gw = await startGateway();
  const bearerToken = await gw.token(CLINICIAN);
  client = fhirClient(gw.fhirBase, { bearerToken });
  breakGlass = fhirClient(gw.fhirBase, { bearerToken, customHeaders: { 'X-Break-Glass': BREAK_GLASS_REASON } });
  anonymous = fhirClient(gw.fhirBase);
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
  test('GET /fhir/metadata is an R4 (4.0.1) CapabilityStatement that validates (no token needed)', async () => {
    const cs = await anonymous.capabilityStatement();
    assert.equal(responseOf(cs).status, 200);
    assert.match(responseOf(cs).headers.get('content-type'), /^application\/fhir\+json/);
    assertValidResource(cs, 'CapabilityStatement', 'metadata');
    assert.equal(cs.fhirVersion, '4.0.1');
    assert.ok(['instance', 'capability'].includes(cs.kind), `kind ${cs.kind}`);
    const server = cs.rest.find((r) => r.mode === 'server');
    assert.ok(server, 'a rest entry in server mode');
    const byType = new Map(server.resource.map((r) => [r.type, r]));
    for (const type of ['Patient', 'MedicationRequest', 'Procedure', 'Practitioner', 'Organization', 'Medication']) {
      const r = byType.get(type);
      assert.ok(r, `${type} is declared`);
      const codes = r.interaction.map((i) => i.code);
      for (const code of ['read', 'vread', 'create', 'update', 'delete', 'history-instance', 'search-type']) {
        assert.ok(codes.includes(code), `${type} declares ${code}`);
      }
    }
    // The gateway declares only what it offers: no Provenance (not offered to callers), no transaction or batch
    // (system senders write through ingestion), and the AuditEvent it answers itself.
    assert.equal(byType.get('Provenance'), undefined);
    assert.deepEqual((server.interaction ?? []).map((i) => i.code).filter((c) => c === 'transaction' || c === 'batch'), []);
    assert.deepEqual(byType.get('AuditEvent').interaction.map((i) => i.code).sort(), ['read', 'search-type']);
    assert.ok(byType.get('MedicationRequest').searchInclude?.includes('MedicationRequest:patient'));
  });
});

describe('read the sample data', () => {
  for (const id of NIM_PATIENTS) {
    test(`read Patient/${id}`, async () => {
      const p = await client.read({ resourceType: 'Patient', id });
      assert.equal(responseOf(p).status, 200);
      assertValidResource(p, 'Patient', `Patient/${id}`);
      assert.equal(p.id, id);
      assert.ok(p.meta?.versionId, 'meta.versionId present');
      assert.ok(p.meta?.lastUpdated, 'meta.lastUpdated present');
      assert.ok(p.identifier.some((i) => i.system === 'urn:dsn:mrn:nim'), 'carries a NIM MRN');
    });
  }

  test('read the sample MedicationRequests and Procedures of NIM patients', async () => {
    for (const [resourceType, ids] of [['MedicationRequest', NIM_MEDICATION_REQUESTS], ['Procedure', NIM_PROCEDURES]]) {
      for (const id of ids) {
        const r = await client.read({ resourceType, id });
        assertValidResource(r, resourceType, `${resourceType}/${id}`);
        assert.equal(r.id, id);
        assert.match(r.subject.reference, /^Patient\/sample-/);
      }
    }
  });

  test(`Patient/${MCQ_PATIENT} (MCQ only) is 403 with a valid OperationOutcome, and so are its records`, async () => {
    const { status, body } = await expectHttpError(client.read({ resourceType: 'Patient', id: MCQ_PATIENT }));
    assert.equal(status, 403);
    assertOperationOutcome(body, '403 outside the care relationship');
    assert.ok(body.issue.some((i) => i.code === 'forbidden'), `issue code forbidden: ${JSON.stringify(body.issue)}`);
    assert.match(JSON.stringify(body), /X-Break-Glass/i, 'the OperationOutcome says how to break the glass');
    for (const [resourceType, id] of MCQ_RECORDS) {
      const r = await expectHttpError(client.read({ resourceType, id }));
      assert.equal(r.status, 403, `${resourceType}/${id}`);
      assertOperationOutcome(r.body, `403 ${resourceType}/${id}`);
    }
  });

  test(`with X-Break-Glass: <reason>, Patient/${MCQ_PATIENT} and its records are readable and valid`, async () => {
    const p = await breakGlass.read({ resourceType: 'Patient', id: MCQ_PATIENT });
    assert.equal(responseOf(p).status, 200);
    assertValidResource(p, 'Patient', `Patient/${MCQ_PATIENT} (break-the-glass)`);
    assert.equal(p.id, MCQ_PATIENT);
    for (const [resourceType, id] of MCQ_RECORDS) {
      const r = await breakGlass.read({ resourceType, id });
      assertValidResource(r, resourceType, `${resourceType}/${id} (break-the-glass)`);
      assert.equal(r.subject.reference, `Patient/${MCQ_PATIENT}`);
    }
  });

  test('X-Break-Glass without a reason is 403 with an OperationOutcome', async () => {
    const noReason = fhirClient(gw.fhirBase, { bearerToken: await gw.token(CLINICIAN), customHeaders: { 'X-Break-Glass': '' } });
    const { status, body } = await expectHttpError(noReason.read({ resourceType: 'Patient', id: MCQ_PATIENT }));
    assert.equal(status, 403);
    assertOperationOutcome(body, 'break-the-glass without a reason');
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
    for (const id of NIM_MEDICATION_REQUESTS) {
      assert.ok(matches.some((m) => m.id === id), `${id} found`);
    }
    assert.ok(!matches.some((m) => m.id === MCQ_RECORDS[0][1]), 'the MCQ patient\'s order is not found');
    assert.ok(!included.has(MCQ_PATIENT), 'the MCQ patient is not included');
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

describe('conditional writes reveal nothing (docs/arch/0020)', () => {
  const NAM = 'https://fhir.infoway-inforoute.ca/NamingSystem/ca-qc-patient-healthcare-id';

  // Raw fetch: the status and the exact body of both answers are compared.
  async function send(bearer, method, url, headers, body) {
    const response = await fetch(`${gw.fhirBase}/${url}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/fhir+json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, text: await response.text() };
  }

  test('a condition matching a patient outside the care relationship is answered as one matching nobody, and writes nothing', async () => {
    const bearer = await gw.token(CLINICIAN);
    const body = newPatient('Conditional');
    const nobody = `NOBODY-${randomUUID()}`;
    const pairs = [
      ['identifier=urn:dsn:mrn:mcq|MCQ000201', `identifier=urn:dsn:mrn:mcq|${nobody}`],
      [`identifier=${NAM}|GAGM72110321`, `identifier=${NAM}|${nobody}`],
      ['name=Gagnon', `name=${nobody}`],
    ];
    for (const [hidden, none] of pairs) {
      const creates = [hidden, none].map((c) => send(bearer, 'POST', 'Patient', { 'if-none-exist': c }, body));
      const updates = [hidden, none].map((c) => send(bearer, 'PUT', `Patient?${encodeURI(c)}`, {}, body));
      for (const [form, [matching, matchingNobody]] of [['If-None-Exist', await Promise.all(creates)], ['PUT Patient?', await Promise.all(updates)]]) {
        assert.equal(matching.status, matchingNobody.status, `${form} ${hidden}: ${matching.status} against ${matchingNobody.status}`);
        assert.equal(matching.text, matchingNobody.text, `${form} ${hidden}: the same OperationOutcome`);
        assert.equal(matching.status, 400, `${form} ${hidden} is refused before it is evaluated`);
        assertOperationOutcome(JSON.parse(matching.text), `${form} ${hidden}`);
      }
    }
    const found = await client.search({ resourceType: 'Patient', searchParams: { identifier: `urn:dsn:mrn:nim|${body.identifier[0].value}` } });
    assert.equal(found.entry?.length ?? 0, 0, 'a refused conditional write writes nothing');
  });

  test('an identifier of the caller\'s establishment still finds its match', async () => {
    const bearer = await gw.token(CLINICIAN);
    const found = await send(bearer, 'POST', 'Patient', { 'if-none-exist': 'identifier=urn:dsn:mrn:nim|NIM000101' }, newPatient('Conditional'));
    assert.equal(found.status, 200, found.text);
    assert.equal(JSON.parse(found.text).id, 'sample-nim-tremblay');
  });
});

describe('transaction (refused on /fhir: system senders write through ingestion)', () => {
  const transactionBundle = (mrn) => ({
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: `urn:uuid:${randomUUID()}`,
        resource: newPatient('Transaction', { identifier: [{ system: 'urn:dsn:mrn:nim', value: mrn }] }),
        request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=urn:dsn:mrn:nim|${mrn}` },
      },
    ],
  });

  test('a clinician\'s transaction is 403 with a valid OperationOutcome, and writes nothing', async () => {
    const mrn = `CONF-TX-${randomUUID()}`;
    const body = transactionBundle(mrn);
    assertValidBundle(body, 'the request itself');
    const { status, body: outcome } = await expectHttpError(client.transaction({ body }));
    assert.equal(status, 403);
    assertOperationOutcome(outcome, 'clinician transaction');
    assert.ok(outcome.issue.some((i) => i.code === 'forbidden'), `issue code forbidden: ${JSON.stringify(outcome.issue)}`);
    const found = await client.search({ resourceType: 'Patient', searchParams: { identifier: `urn:dsn:mrn:nim|${mrn}` } });
    assert.equal(found.entry?.length ?? 0, 0, 'the Patient of the refused transaction was not written');
  });

  test('a batch is refused the same way', async () => {
    const body = { ...transactionBundle(`CONF-BATCH-${randomUUID()}`), type: 'batch' };
    const { status, body: outcome } = await expectHttpError(client.batch({ body }));
    assert.equal(status, 403);
    assertOperationOutcome(outcome, 'clinician batch');
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
    for (const id of NIM_MEDICATION_REQUESTS) assert.ok(matches.includes(id), `${id} reached by paging`);
    assert.ok(!matches.includes(MCQ_RECORDS[0][1]), 'the MCQ patient\'s order is not reached by paging');
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

  test('400 (strict parse, docs/arch/0019) for a Patient with a gender outside the value set', async () => {
    const { status, body } = await expectHttpError(
      client.create({ resourceType: 'Patient', body: newPatient('Invalid', { gender: 'banana' }) }),
    );
    assert.equal(status, 400);
    assertOperationOutcome(body, '400 Patient.gender');
    assert.ok(body.issue.some((i) => (i.expression ?? []).includes('Patient.gender')), 'the issue names Patient.gender');
  });

  test('400 (strict parse, docs/arch/0019) for a Patient with an impossible birthDate', async () => {
    const { status, body } = await expectHttpError(
      client.create({ resourceType: 'Patient', body: newPatient('Invalid', { birthDate: '1985-13-45' }) }),
    );
    assert.equal(status, 400);
    assertOperationOutcome(body, '400 Patient.birthDate');
    assert.ok(body.issue.some((i) => (i.expression ?? []).includes('Patient.birthDate')), 'the issue names Patient.birthDate');
  });

  test('400 (strict parse, docs/arch/0019) for a MedicationRequest without its required status', async () => {
    const { status, body } = await expectHttpError(
      client.create({
        resourceType: 'MedicationRequest',
        body: { resourceType: 'MedicationRequest', intent: 'order', subject: { reference: 'Patient/sample-nim-tremblay' } },
      }),
    );
    assert.equal(status, 400);
    assertOperationOutcome(body, '400 MedicationRequest.status');
    assert.ok(body.issue.some((i) => (i.expression ?? []).includes('MedicationRequest.status')), 'the issue names MedicationRequest.status');
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

describe('authentication and authorization answers are OperationOutcomes', () => {
  test('401 without a token: a valid OperationOutcome and a Bearer challenge', async () => {
    for (const call of [
      () => anonymous.search({ resourceType: 'Patient' }),
      () => anonymous.read({ resourceType: 'Patient', id: 'sample-nim-tremblay' }),
      () => anonymous.create({ resourceType: 'Patient', body: newPatient('NoToken') }),
    ]) {
      const { status, body } = await expectHttpError(call);
      assert.equal(status, 401);
      assertOperationOutcome(body, '401 without a token');
    }
    const raw = await fetch(`${gw.fhirBase}/Patient`);
    assert.equal(raw.status, 401);
    assert.match(raw.headers.get('www-authenticate') ?? '', /^Bearer\b/i, 'WWW-Authenticate: Bearer (RFC 6750)');
  });

  test('401 for a malformed or forged token', async () => {
    const real = await gw.token(CLINICIAN);
    const [h, p] = real.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url')), establishment: 'MCQ' })).toString('base64url')}.${real.split('.')[2]}`;
    for (const bearerToken of ['not-a-jwt', forged]) {
      const { status, body } = await expectHttpError(fhirClient(gw.fhirBase, { bearerToken }).read({ resourceType: 'Patient', id: 'sample-nim-tremblay' }));
      assert.equal(status, 401, `token ${bearerToken.slice(0, 20)}...`);
      assertOperationOutcome(body, '401 bad token');
    }
  });

  test('a clinician creating a Patient without an MRN of their establishment gets 403', async () => {
    const mcqOnly = newPatient('WrongMrn', { identifier: [{ system: 'urn:dsn:mrn:mcq', value: `CONF-${randomUUID()}` }] });
    const { status, body } = await expectHttpError(client.create({ resourceType: 'Patient', body: mcqOnly }));
    assert.equal(status, 403);
    assertOperationOutcome(body, '403 Patient without a NIM MRN');
    const found = await client.search({ resourceType: 'Patient', searchParams: { family: 'WrongMrn' } });
    assert.equal(found.entry?.length ?? 0, 0);
  });

  test('roles without clinical access get 403 OperationOutcomes on clinical data', async () => {
    for (const claims of [PRIVACY_OFFICER, SYSTEM]) {
      const other = fhirClient(gw.fhirBase, { bearerToken: await gw.token(claims) });
      const { status, body } = await expectHttpError(other.read({ resourceType: 'Patient', id: 'sample-nim-tremblay' }));
      assert.equal(status, 403, `${claims.role} reading a Patient`);
      assertOperationOutcome(body, `403 ${claims.role}`);
    }
  });

  test('a clinician may not read the access audit (403)', async () => {
    const { status, body } = await expectHttpError(client.search({ resourceType: 'AuditEvent' }));
    assert.equal(status, 403);
    assertOperationOutcome(body, '403 AuditEvent for a clinician');
  });
});

describe('access audit (IHE BALP AuditEvents) for a privacy officer', () => {
  test('GET /fhir/AuditEvent is a searchset Bundle of AuditEvents valid against the R4 schema, on every page', async () => {
    // Make sure the audit holds a read, a search, a denial and a break-the-glass read of this file's own.
    await client.read({ resourceType: 'Patient', id: 'sample-nim-tremblay' });
    await client.search({ resourceType: 'Patient', searchParams: { family: 'Tremblay' } });
    await expectHttpError(client.read({ resourceType: 'Patient', id: MCQ_PATIENT }));
    await breakGlass.read({ resourceType: 'Patient', id: MCQ_PATIENT });

    const po = fhirClient(gw.fhirBase, { bearerToken: await gw.token(PRIVACY_OFFICER) });
    const first = await po.search({ resourceType: 'AuditEvent', searchParams: { _count: 20 } });
    assert.equal(responseOf(first).status, 200);
    const pages = await allPages(po, first);
    const events = [];
    for (const [n, page] of pages.entries()) {
      assertValidBundle(page, `AuditEvent page ${n}`);
      assertBundleRules(page, `AuditEvent page ${n}`);
      assert.equal(page.type, 'searchset');
      for (const link of page.link ?? []) assert.ok(link.url.startsWith(`${gw.fhirBase}/`), `${link.relation} ${link.url}`);
      assertFullUrls(page, gw.fhirBase, `AuditEvent page ${n}`);
      for (const e of page.entry ?? []) {
        assertValidResource(e.resource, 'AuditEvent', `AuditEvent/${e.resource.id}`);
        events.push(e.resource);
      }
    }
    assert.equal(new Set(events.map((e) => e.id)).size, events.length, 'no AuditEvent twice across pages');
    assert.ok(events.length >= 4, `at least the 4 requests above are audited (got ${events.length})`);
    if (first.total !== undefined) assert.equal(first.total, events.length, 'total counts every AuditEvent');

    const about = (e, ref) => (e.entity ?? []).some((x) => x.what?.reference === ref);
    const failures = events.filter((e) => e.outcome && e.outcome !== '0' && about(e, `Patient/${MCQ_PATIENT}`));
    assert.ok(failures.length >= 1, `the 403 on Patient/${MCQ_PATIENT} is audited as a failure`);
    const btg = events.filter((e) => e.outcome === '0' && about(e, `Patient/${MCQ_PATIENT}`) && JSON.stringify(e).includes('BTG'));
    assert.ok(btg.length >= 1, `the break-the-glass read of Patient/${MCQ_PATIENT} is audited with purpose of use BTG`);
  });

  test('read one AuditEvent by id', async () => {
    const po = fhirClient(gw.fhirBase, { bearerToken: await gw.token(PRIVACY_OFFICER) });
    const bundle = await po.search({ resourceType: 'AuditEvent', searchParams: { _count: 1 } });
    const { id } = bundle.entry[0].resource;
    const one = await po.read({ resourceType: 'AuditEvent', id });
    assertValidResource(one, 'AuditEvent', `AuditEvent/${id}`);
    assert.equal(one.id, id);
  });
});
