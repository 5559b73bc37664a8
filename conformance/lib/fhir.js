// Shared helpers for the conformance tests: an independent FHIR client (fhir-kit-client) bound to a
// gateway, error capture, and the R4 Bundle invariants the JSON schema cannot express.
import assert from 'node:assert/strict';
import { Client } from 'fhir-kit-client';
import { assertValidResource } from './schema.js';

/** A fhir-kit-client Client for the gateway's FHIR base. */
export function fhirClient(fhirBase, { bearerToken, customHeaders } = {}) {
  return new Client({ baseUrl: fhirBase, bearerToken, customHeaders });
}

/** The HTTP Response behind a fhir-kit-client result (status, headers). */
export function responseOf(result) {
  return Client.httpFor(result).response;
}

/**
 * Runs a client call that must fail; returns { status, body } of the HTTP answer.
 * Fails the test if the call succeeds or fails without an HTTP answer.
 */
export async function expectHttpError(promiseOrFn) {
  let result;
  try {
    result = await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (err) {
    if (!err.response) throw err;
    return { status: err.response.status, body: err.response.data, headers: err.config?.headers };
  }
  assert.fail(`expected an HTTP error, got a success: ${JSON.stringify(result).slice(0, 300)}`);
}

/** Asserts an error answer is a schema-valid OperationOutcome with at least one error-level issue. */
export function assertOperationOutcome(body, context) {
  assert.equal(typeof body, 'object', `${context}: body is not JSON`);
  assertValidResource(body, 'OperationOutcome', context);
  assert.ok(
    body.issue.some((i) => i.severity === 'error' || i.severity === 'fatal'),
    `${context}: no issue of severity error or fatal: ${JSON.stringify(body.issue)}`,
  );
  return body;
}

/**
 * The R4 Bundle invariants (bdl-1..bdl-8) that live in the StructureDefinition, not in the JSON schema.
 */
export function assertBundleRules(bundle, context = '') {
  const t = bundle.type;
  const ctx = `${context} (Bundle.type ${t})`;
  if (bundle.total !== undefined) {
    assert.ok(['searchset', 'history'].includes(t), `${ctx}: bdl-1 total only for searchset or history`);
  }
  const seen = new Set();
  for (const [i, e] of (bundle.entry ?? []).entries()) {
    const at = `${ctx} entry[${i}]`;
    assert.ok(e.resource || e.request || e.response, `${at}: bdl-5 needs resource, request or response`);
    if (e.search) assert.equal(t, 'searchset', `${at}: bdl-2 entry.search only in a searchset`);
    const needsRequest = ['batch', 'transaction', 'history'].includes(t);
    assert.equal(Boolean(e.request), needsRequest, `${at}: bdl-3 entry.request ${needsRequest ? 'required' : 'prohibited'}`);
    const needsResponse = ['batch-response', 'transaction-response', 'history'].includes(t);
    assert.equal(Boolean(e.response), needsResponse, `${at}: bdl-4 entry.response ${needsResponse ? 'required' : 'prohibited'}`);
    if (e.fullUrl) {
      assert.ok(!e.fullUrl.includes('/_history/'), `${at}: bdl-8 fullUrl must not be version specific: ${e.fullUrl}`);
      if (t !== 'history') {
        const key = `${e.fullUrl}|${e.resource?.meta?.versionId ?? ''}`;
        assert.ok(!seen.has(key), `${at}: bdl-7 duplicate fullUrl ${e.fullUrl}`);
        seen.add(key);
      }
    }
  }
}

/** fullUrl of resources served by the gateway: absolute, under its FHIR base, and naming the resource. */
export function assertFullUrls(bundle, fhirBase, context = '') {
  for (const [i, e] of (bundle.entry ?? []).entries()) {
    if (!e.resource?.id) continue;
    assert.equal(
      e.fullUrl,
      `${fhirBase}/${e.resource.resourceType}/${e.resource.id}`,
      `${context} entry[${i}]: fullUrl must be the absolute URL of the resource under ${fhirBase}`,
    );
  }
}

/** Follows `next` links with fhir-kit-client's nextPage until the end; returns the list of pages. */
export async function allPages(client, firstPage, { maxPages = 200 } = {}) {
  const pages = [firstPage];
  let page = firstPage;
  for (;;) {
    const next = await client.nextPage({ bundle: page });
    if (next === undefined) break;
    pages.push(next);
    assert.ok(pages.length <= maxPages, `more than ${maxPages} pages: the next links do not end`);
    page = next;
  }
  return pages;
}
