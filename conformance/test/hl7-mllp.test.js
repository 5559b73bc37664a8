// HL7 v2 over MLLP with a real client (node-hl7-client): every message of hl7/manifest.json is sent, in order, to
// the gateway started with the test sender registry hl7/senders.json, and its ACK is checked against the manifest
// (MSA-1, MSA-2, ERR-3 when not AA). After an AA that names a patient, a clinician of that establishment finds the
// Patient through the gateway's FHIR API; an entry's searches check what delivery made of the message.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Message } from 'node-hl7-client';
import { startGateway } from '../lib/gateway.js';
import { fhirClient } from '../lib/fhir.js';
import { hl7ConfigDir, loadManifest, manifestDir, sharedDir } from '../lib/hl7-manifest.js';
import { openMllpSender } from '../lib/mllp.js';

const manifest = loadManifest();

/** Every file under a folder of ../shared, as paths relative to ../shared. */
function sharedFiles(folder) {
  const out = [];
  const walk = (rel) => {
    for (const name of readdirSync(path.join(sharedDir, rel))) {
      const child = path.posix.join(rel, name);
      if (statSync(path.join(sharedDir, child)).isDirectory()) walk(child);
      else out.push(child);
    }
  };
  walk(folder);
  return out.sort();
}

/** How long delivery (after the ACK) may take before the Patient must be readable. */
const DELIVERY_DEADLINE_MS = 15_000;

describe('HL7 v2 over MLLP: every ACK as the manifest says', () => {
  let gw;
  let sender;
  let config;
  const acks = new Map();

  before(async () => {
    config = hl7ConfigDir();
    gw = await startGateway({ extraArgs: ['--config-dir', config.dir, '--no-sample-data'] });
    assert.ok(gw.mllpPort, `the gateway printed no MLLP listening line:\n${gw.output()}`);
    sender = openMllpSender({ port: gw.mllpPort });
    // The clinicians' tokens, minted once and up front (each is a run of the gateway's CLI).
    const establishments = new Set(manifest.entries.flatMap((e) => [e.patient?.establishment, ...(e.search ?? []).map((q) => q.as)]).filter(Boolean));
    await Promise.all([...establishments].map(clinicianToken));
  });

  const clinicianToken = (establishment) =>
    gw.token({ sub: `dr.${establishment.toLowerCase()}`, scope: 'user/*.rs', role: 'clinician', establishment });

  after(async () => {
    await sender?.close();
    await gw?.stop();
    config?.remove();
  });

  test('the manifest covers every shared sample, once', () => {
    const listed = manifest.entries.filter((e) => e.shared).map((e) => e.shared);
    assert.equal(new Set(listed).size, listed.length, 'a shared file is listed twice');
    const ids = manifest.entries.map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, 'entry ids are unique');
    for (const folder of ['hl7v2/fhir-converter/samples', 'hl7v2/misc', 'hl7v2/bad-inputs']) {
      for (const file of sharedFiles(folder)) assert.ok(listed.includes(file), `${file} has no manifest entry`);
    }
    for (const e of manifest.entries) {
      assert.ok(e.why && e.why.length >= 40, `${e.id}: every entry says why`);
      assert.ok(['AA', 'AE', 'AR'].includes(e.ack.code), `${e.id}: ack.code`);
      assert.equal(e.ack.code === 'AA', e.ack.error === undefined, `${e.id}: ERR-3 is expected exactly when not AA`);
    }
  });

  for (const entry of manifest.entries) {
    const expected = entry.ack;
    const label = `${entry.id}: ${expected.code}${expected.error ? ` ${expected.error}` : ''}`;
    test(label, async () => {
      const bytes = readFileSync(entry.shared ? path.join(sharedDir, entry.shared) : path.join(manifestDir, entry.file));
      const payload = entry.send === 'client-message' ? new Message({ text: bytes.toString('utf8') }) : bytes;
      const ack = await sender.send(payload);
      acks.set(entry.id, ack);
      const got = `${ack.code} MSA-2 '${ack.controlId}' ERR-3 ${ack.errorCode ?? '-'} (${ack.errorText ?? ''})`;
      assert.equal(ack.code, expected.code, `MSA-1: ${got}`);
      assert.equal(ack.controlId, expected.controlId, `MSA-2: ${got}`);
      if (expected.code !== 'AA') assert.equal(Number(ack.errorCode), expected.error, `ERR-3: ${got}`);
      if (entry.sameAckAs) {
        assert.ok(acks.has(entry.sameAckAs), `${entry.sameAckAs} must be sent before ${entry.id}`);
        assert.equal(ack.raw, acks.get(entry.sameAckAs).raw, `the stored ACK of ${entry.sameAckAs} is answered again`);
      }
      if (entry.patient) await assertPatientReadable(entry.patient);
      for (const search of entry.search ?? []) await assertSearchFinds(search);
    });
  }

  test('the gateway still answers after every message above', async () => {
    const res = await fetch(`${gw.baseUrl}/healthz`);
    assert.equal(res.status, 200);
  });

  test('every AR and AE above is kept in the dead letters, and nothing that was answered AA', async () => {
    const bearer = await gw.token({ sub: 'ops', scope: 'user/*.rs', role: 'admin' });
    const res = await fetch(`${gw.baseUrl}/admin/deadletters`, { headers: { authorization: `Bearer ${bearer}` } });
    assert.equal(res.status, 200);
    // Refused before the ACK (envelope or content stage); a delivery that failed after an AA is another matter.
    const kept = (await res.json()).filter((l) => l.stage !== 'delivery').map((l) => l.controlId ?? '').sort();
    const refused = manifest.entries.filter((e) => e.ack.code !== 'AA').map((e) => e.ack.controlId).sort();
    assert.deepEqual(kept, refused, 'the control ids of the dead letters are those of the messages answered AR or AE');
  });

  /** A clinician of the establishment finds exactly one Patient with the identifier (after delivery). */
  async function assertPatientReadable({ establishment, identifier }) {
    const patients = await searchUntil(establishment, `Patient?identifier=${identifier}`, (found) => found.length > 0);
    assert.equal(patients.length, 1, `Patient?identifier=${identifier} as a ${establishment} clinician: ${patients.length} found`);
    const [system, value] = identifier.split('|');
    assert.ok(patients[0].identifier.some((i) => i.system === system && i.value === value), 'the Patient carries the identifier');
  }

  /** A manifest search: `count` resources of the query's type, one of them with `withElement` when given. */
  async function assertSearchFinds({ as, query, count, withElement }) {
    const found = await searchUntil(as, query, (r) => r.length === count && (!withElement || r.some((x) => x[withElement] !== undefined)));
    assert.equal(found.length, count, `${query} as a ${as} clinician`);
    if (withElement) {
      assert.ok(found.some((r) => r[withElement] !== undefined), `${query}: no result has ${withElement}: ${JSON.stringify(found).slice(0, 600)}`);
    }
  }

  /**
   * Runs a FHIR search (`Type?params`) as a clinician of the establishment until `done(resources of Type)` or the
   * delivery deadline; returns the last result (matches only, not included resources).
   */
  async function searchUntil(establishment, query, done) {
    const client = fhirClient(gw.fhirBase, { bearerToken: await clinicianToken(establishment) });
    const [resourceType, params] = query.split('?');
    const searchParams = Object.fromEntries(new URLSearchParams(params));
    const deadline = Date.now() + DELIVERY_DEADLINE_MS;
    for (;;) {
      const bundle = await client.search({ resourceType, searchParams });
      const found = (bundle.entry ?? []).filter((e) => e.search?.mode !== 'include').map((e) => e.resource);
      if (done(found) || Date.now() > deadline) return found;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
});

test('the manifest files exist', () => {
  for (const e of manifest.entries) {
    const file = e.shared ? path.join(sharedDir, e.shared) : path.join(manifestDir, e.file);
    assert.ok(existsSync(file), `${e.id}: ${file}`);
  }
});
