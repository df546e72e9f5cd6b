/**
 * Regression: about one random-seed run in eight of hostile-files.test.ts
 * killed the test worker with V8's "FATAL ERROR: RegExpCompiler Allocation
 * failed". yaml composes nested collections recursively and, when the stack
 * runs out, catches the RangeError in every frame and carries on at the edge
 * of the stack; a regular expression compiled there aborts the process, and
 * no catch can stop that. Readers now measure nesting without recursion and
 * refuse text deeper than MAX_INPUT_NESTING first. The readers run in a child
 * process, so a regression fails this test instead of killing the worker.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_INPUT_NESTING, nestingDepth, yamlNestingDepth } from '../../src/util/nesting.js';
import { projectRoot } from '../helpers/fixtures.js';

describe('input nested up to thousands of levels deep', () => {
  it('every YAML/JSON reader refuses it with its own error, and the process survives', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'test/hardening/deep-nesting-child.ts')], { encoding: 'utf8', cwd: projectRoot });
    expect(child.stderr).not.toMatch(/FATAL|RangeError/);
    expect(child.signal).toBeNull();
    expect(child.status).toBe(0);
    const answers = JSON.parse(child.stdout) as Record<string, number>;
    const at = (reader: string, depth: number) => Object.entries(answers).filter(([k]) => k.startsWith(`${reader} ${depth}:`));
    for (const depth of [100, 500, 1000, 1500, 2000, 3000, 4000, 6000]) {
      for (const reader of ['suppressions (first pass)', 'config (first pass)']) expect(at(reader, depth)).toEqual([[`${reader} ${depth}: ConfigError (too deep)`, 2]]);
      // The configuration files: every shape refused as too deep, naming the limit.
      for (const reader of ['suppressions', 'config']) expect(at(reader, depth)).toEqual([[`${reader} ${depth}: ConfigError (too deep)`, 6]]);
      // Baselines are JSON only, policy files JSON or YAML: what is not their syntax is refused as such, the rest as too deep.
      for (const reader of ['baseline', 'policy']) {
        expect(at(reader, depth).every(([k]) => /: (ConfigError|UserError)/.test(k)), JSON.stringify(at(reader, depth))).toBe(true);
        expect(at(reader, depth).find(([k]) => k.endsWith('(too deep)'))?.[1]).toBeGreaterThanOrEqual(3);
      }
    }
    // Below the limit nothing is refused for its depth, and a shallow policy file is read.
    expect(Object.keys(answers).filter((k) => k.includes(' 20: ') && k.endsWith('(too deep)'))).toEqual([]);
    expect(answers['policy 20: accepted']).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('measures nesting without recursion, stopping past the limit', () => {
    const deep = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
    expect(yamlNestingDepth('a: [1, {b: [2]}]\nc:\n  - d: 1\n')).toBe(4);
    expect(yamlNestingDepth('{"a": [[1]]}')).toBe(3);
    expect(yamlNestingDepth('plain text')).toBe(0);
    expect(yamlNestingDepth(`x: ${'['.repeat(200)}`, MAX_INPUT_NESTING)).toBe(MAX_INPUT_NESTING + 1);
    expect(nestingDepth(JSON.parse(deep), MAX_INPUT_NESTING)).toBe(MAX_INPUT_NESTING + 1);
  });
});
