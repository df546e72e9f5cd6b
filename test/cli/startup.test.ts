/**
 * What the CLI loads before any command runs. The AWS and Google clients are
 * most of a start-up (~1 s of CPU and ~60 MB here), so only the commands
 * that talk to a cloud import them: `--version`, an audit of files, `ci` and
 * `report` start without them. A static import of a collector anywhere in
 * the command graph brings them all back, which is what this guards.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../helpers/fixtures.js';

const CLOUD_PACKAGES = /node_modules\/(@aws-sdk|@smithy|@google-cloud|@googleapis|googleapis-common|google-gax|google-auth-library|@grpc|protobufjs)\//;

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-startup-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Every module (ES or CommonJS) a Node process loads while importing `entry` and then running `then`. */
function modulesLoadedBy(entry: string, then = ''): string[] {
  const log = path.join(tmp, `loaded-${Math.random().toString(36).slice(2)}.txt`);
  const hook = path.join(tmp, 'log-hook.mjs');
  writeFileSync(
    hook,
    `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + '\\n'); return next(url, context); }\n`,
  );
  const script = [
    `import { register, createRequire } from 'node:module';`,
    `import { appendFileSync } from 'node:fs';`,
    `register(${JSON.stringify(pathToFileURL(hook).href)});`,
    `const m = await import(${JSON.stringify(pathToFileURL(path.join(projectRoot, entry)).href)});`,
    then,
    `appendFileSync(${JSON.stringify(log)}, Object.keys(createRequire(import.meta.url).cache).join('\\n') + '\\n');`,
  ].join('\n');
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: projectRoot, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

describe('CLI start-up', () => {
  it('loads no cloud client to parse arguments or print the version', () => {
    const loaded = modulesLoadedBy('src/cli/main.ts', `await m.main(['node', 'keywarden', '--version'], { out: () => {}, err: () => {} });`);
    // The command graph itself was loaded (the check sees what it should).
    expect(loaded.some((u) => u.includes('src/cli/commands.ts'))).toBe(true);
    expect(loaded.filter((u) => CLOUD_PACKAGES.test(u))).toEqual([]);
  });

  it('loads the AWS clients once a live AWS command needs them', () => {
    const loaded = modulesLoadedBy('src/cli/collect-aws.ts');
    expect(loaded.some((u) => /node_modules\/@aws-sdk\/client-iam\//.test(u))).toBe(true);
  });
});
