// The HL7 v2 manifest (hl7/manifest.json: each message the suite sends and the ACK it must get, in order) and the
// test configuration it assumes: the repository's config/ with hl7/senders.json as its sender registry (the
// FHIR-Converter and misc samples' senders onboarded beside NIM and MCQ).
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const conformanceDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** conformance/hl7: the manifest, the sender registry and the suite's own messages. */
export const manifestDir = path.join(conformanceDir, 'hl7');
/** ../shared beside the repository (third-party samples), or env DSN_SHARED_DIR. */
export const sharedDir = path.resolve(conformanceDir, process.env.DSN_SHARED_DIR || '../../shared');

/** The manifest: { description, entries: [{ id, shared | file, send?, ack: { code, controlId, error? }, sameAckAs?, patient?, why }] }. */
export function loadManifest() {
  return JSON.parse(readFileSync(path.join(manifestDir, 'manifest.json'), 'utf8'));
}

/**
 * A --config-dir for the gateway: a temporary copy of the repository's config/ (so gateway.json, code maps and
 * CSV layouts stay the shipped ones) whose senders.json is hl7/senders.json. remove() deletes it.
 */
export function hl7ConfigDir() {
  const dir = mkdtempSync(path.join(tmpdir(), 'dsn-conformance-config-'));
  cpSync(path.join(conformanceDir, '..', 'config'), dir, { recursive: true });
  cpSync(path.join(manifestDir, 'senders.json'), path.join(dir, 'senders.json'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
