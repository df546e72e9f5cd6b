/** The SARIF 2.1.0 JSON schema kept in the repository, compiled with an independent validator (ajv, draft-04). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv-draft-04';

const schema = JSON.parse(readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'sarif-schema-2.1.0.json'), 'utf8'));
// The schema's `language` pattern is not valid with the u flag; its formats are checked here rather than ignored.
// CommonJS default export seen through ESM interop.
const Ajv = AjvModule.default;
export const validateSarif = new Ajv({
  allErrors: true,
  strict: false,
  unicodeRegExp: false,
  formats: {
    'date-time': (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)),
    uri: (s: string) => URL.canParse(s),
    'uri-reference': (s: string) => URL.canParse(s, 'file:///'),
  },
}).compile(schema);
