/** `npm run docs`: regenerates docs that are derived from code (rules, report schema). */
import { writeFileSync } from 'node:fs';
import { ALL_RULES } from '../src/rules/index.js';
import { ruleDocsMarkdown } from '../src/report/rule-docs.js';
import { reportJsonSchema } from '../src/report/json-schema.js';

writeFileSync('docs/rules.md', ruleDocsMarkdown(ALL_RULES));
writeFileSync('docs/report.schema.json', JSON.stringify(reportJsonSchema(), null, 2) + '\n');
console.log('wrote docs/rules.md and docs/report.schema.json');
