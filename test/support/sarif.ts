/** Validation of SARIF logs against the SARIF 2.1.0 schema (the copy @microsoft/jest-sarif ships). */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import AjvDraft04 from 'ajv-draft-04';
import { REPO_ROOT } from './index-catalog.js';

export function sarifValidator() {
  const schema: unknown = JSON.parse(
    readFileSync(path.join(REPO_ROOT, 'node_modules', '@microsoft', 'jest-sarif', 'lib', 'schemas', 'sarif-2.1.0-rtm.5.json'), 'utf8'),
  );
  // strictRequired: the schema lists properties in `required` inside anyOf branches, an authoring
  // style ajv's strict mode flags; unicodeRegExp: draft-04 patterns are ECMA-262 regexes without
  // the u flag, and one of the schema's is only valid that way.
  // A CommonJS module: under NodeNext its default import is module.exports, whose `default` is the class.
  const ajv = new AjvDraft04.default({ allErrors: true, strict: true, strictRequired: false, unicodeRegExp: false });
  ajv.addFormat('uri', (s: string) => URL.canParse(s));
  ajv.addFormat('uri-reference', (s: string) => URL.canParse(s, 'file:///base/'));
  ajv.addFormat('date-time', (s: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(s));
  return ajv.compile(schema as object);
}
