// Proves the schema validation used by every other test is not vacuous: valid R4 passes, invalid R4 fails,
// and each resource is judged by its own type's definition. No gateway needed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertValidBundle, assertValidResource, schemaId, validateResource } from '../lib/schema.js';

const validPatient = {
  resourceType: 'Patient',
  id: 'example',
  identifier: [{ system: 'urn:dsn:mrn:nim', value: 'NIM000999' }],
  name: [{ family: 'Exemple', given: ['Zoé'] }],
  gender: 'female',
  birthDate: '1990-01-31',
};

describe('R4 JSON schema validator (the oracle of this suite)', () => {
  test('uses the official FHIR R4 schema', () => {
    assert.equal(schemaId, 'http://hl7.org/fhir/json-schema/4.0');
  });

  test('accepts a valid Patient, MedicationRequest and OperationOutcome', () => {
    assert.deepEqual(validateResource(validPatient, 'Patient'), { valid: true, errors: [] });
    assertValidResource(
      {
        resourceType: 'MedicationRequest',
        status: 'active',
        intent: 'order',
        medicationCodeableConcept: { text: 'x' },
        subject: { reference: 'Patient/example' },
      },
      'MedicationRequest',
    );
    assertValidResource(
      { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] },
      'OperationOutcome',
    );
  });

  test('rejects a Patient with "gender": 42', () => {
    const r = validateResource({ ...validPatient, gender: 42 }, 'Patient');
    assert.equal(r.valid, false);
    assert.match(r.errors.join(), /gender/);
  });

  test('rejects a Patient with a code outside the required value set', () => {
    assert.equal(validateResource({ ...validPatient, gender: 'banana' }, 'Patient').valid, false);
  });

  test('rejects a Patient with an unknown element', () => {
    const r = validateResource({ ...validPatient, favouriteColour: 'blue' }, 'Patient');
    assert.equal(r.valid, false);
    assert.match(r.errors.join(), /favouriteColour/);
  });

  test('rejects a malformed date', () => {
    assert.equal(validateResource({ ...validPatient, birthDate: '1990-13-45' }, 'Patient').valid, false);
  });

  test('judges a resource by its own type: an element of another type is not accepted', () => {
    // `status` and `intent` are MedicationRequest elements, not Patient ones.
    assert.equal(validateResource({ ...validPatient, status: 'active' }, 'Patient').valid, false);
    // A MedicationRequest missing its required subject is invalid.
    const mr = { resourceType: 'MedicationRequest', status: 'active', intent: 'order', medicationCodeableConcept: { text: 'x' } };
    assert.equal(validateResource(mr, 'MedicationRequest').valid, false);
  });

  test('rejects a resource of an unexpected or unknown type', () => {
    assert.equal(validateResource(validPatient, 'Bundle').valid, false);
    assert.equal(validateResource({ resourceType: 'NotAType' }).valid, false);
    assert.equal(validateResource('Patient').valid, false);
  });

  test('assertValidResource throws, and a Bundle with an invalid entry fails', () => {
    assert.throws(() => assertValidResource({ ...validPatient, gender: 42 }, 'Patient'), /not valid FHIR R4/);
    const bundle = { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: { ...validPatient, gender: 42 } }] };
    assert.throws(() => assertValidBundle(bundle), /not valid FHIR R4/);
    assert.equal(validateResource(bundle, 'Bundle').valid, false, 'the Bundle itself is invalid too');
    assertValidBundle({ resourceType: 'Bundle', type: 'searchset', entry: [{ resource: validPatient }] });
  });
});
