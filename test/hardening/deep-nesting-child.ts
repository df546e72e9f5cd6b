/**
 * Run by deep-nesting.test.ts in a child process, because what it guards
 * against cannot be caught: every YAML/JSON reader is handed text nested
 * from a few hundred to 6,000 levels deep, one after another in one process
 * (the order that made yaml's composer compile a regular expression at the
 * edge of the stack, and V8 abort with "RegExpCompiler Allocation failed").
 * Prints one JSON line: how each reader answered at each depth.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseBaseline } from '../../src/ci/baseline-file.js';
import { parseConfig } from '../../src/config/index.js';
import { readPolicyFile } from '../../src/policycheck/check.js';
import { parseSuppressions } from '../../src/suppress/suppressions-file.js';

const DEPTHS = [20, 100, 500, 1000, 1500, 2000, 3000, 4000, 6000];

/** Flow collections empty, with scalars, and unclosed; a block structure by indentation; the same as JSON, valid and broken. */
function texts(depth: number): Record<string, string> {
  const flow = '['.repeat(depth) + 'a, 1, "x y"' + ']'.repeat(depth);
  return {
    empty: '['.repeat(depth) + ']'.repeat(depth),
    flow,
    unclosed: `suppressions: ${'['.repeat(depth)}a, 1, 2.5`,
    // One more space per level: a block sequence in a block sequence, as deep as the text allows.
    block: Array.from({ length: Math.min(depth, 1500) }, (_, i) => `${' '.repeat(i)}- `).join('\n'),
    json: `{"suppressions": ${flow}}`,
    brokenJson: `{"suppressions": ${'['.repeat(depth)}1,}`,
  };
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-deep-'));
const answers: Record<string, number> = {};
/** `reader depth: answer`, e.g. `policy 2000: UserError (too deep)`. */
const attempt = (reader: string, depth: number, read: () => unknown) => {
  let answer = 'accepted';
  try {
    read();
  } catch (error) {
    answer = error instanceof Error ? `${error.name}${/levels deep/.test(error.message) ? ' (too deep)' : ''}` : typeof error;
  }
  const key = `${reader} ${depth}: ${answer}`;
  answers[key] = (answers[key] ?? 0) + 1;
};
try {
  // First the configuration readers alone on the two plainest shapes: the sequence that aborted the old code most often.
  for (const depth of DEPTHS) {
    for (const shape of ['empty', 'block'] as const) {
      const text = texts(depth)[shape]!;
      attempt('suppressions (first pass)', depth, () => parseSuppressions(text, 's.yaml'));
      attempt('config (first pass)', depth, () => parseConfig(text, 'k.yaml'));
    }
  }
  for (const depth of DEPTHS) {
    for (const [shape, text] of Object.entries(texts(depth))) {
      const ext = shape.toLowerCase().includes('json') ? 'json' : 'yaml';
      attempt('suppressions', depth, () => parseSuppressions(text, `s.${ext}`));
      attempt('config', depth, () => parseConfig(text, `k.${ext}`));
      attempt('baseline', depth, () => parseBaseline(text, 'baseline.json'));
      const file = path.join(tmp, `${depth}-${shape}.${ext}`);
      writeFileSync(file, ext === 'yaml' ? `Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties: ${text.replace(/\n/g, '\n      ')}\n` : text);
      attempt('policy', depth, () => readPolicyFile(file));
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(answers) + '\n');
