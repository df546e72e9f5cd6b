/**
 * Runs generated plan scripts with /bin/sh against fake `aws` and `gcloud`
 * commands first on PATH. Each fake records its argv (NUL-separated, so any
 * byte of a hostile name survives) and a copy of every `file://` document it
 * is handed; `aws sts …` prints $FAKE_ACCOUNT and `gcloud config …` prints
 * $FAKE_PROJECT, so a script's account or project guard can pass or refuse.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { isDocumentArgument, type PlanArgument } from '../../src/suggest/command.js';

const FAKE = `#!/bin/sh
n=$(ls "$FAKE_CALLS_DIR" | grep -c '^call-' || true)
out="$FAKE_CALLS_DIR/call-$n"
: > "$out"
i=0
for a in "$@"; do
  printf '%s\\0' "$a" >> "$out"
  case "$a" in file://*) cp "\${a#file://}" "$FAKE_CALLS_DIR/doc-$n-$i" ;; esac
  i=$((i + 1))
done
if [ "$1" = sts ]; then printf '%s\\n' "$FAKE_ACCOUNT"; fi
if [ "$1" = config ]; then printf '%s\\n' "$FAKE_PROJECT"; fi
`;

export interface FakeCall {
  /** The arguments after the program name, exactly as received. */
  argv: string[];
  /** Documents passed as file://, by argument index. */
  docs: Map<number, string>;
}

export interface ScriptRun {
  result: SpawnSyncReturns<string>;
  calls: FakeCall[];
  /** The script's (initially empty) working directory: anything created there ran. */
  cwd: string;
}

/** Writes the fake `aws` and `gcloud` into `dir`; returns `dir` for runScript. */
export function installFakeCloudCli(dir: string): string {
  for (const name of ['aws', 'gcloud']) writeFileSync(path.join(dir, name), FAKE, { mode: 0o700 });
  return dir;
}

function readCalls(dir: string): FakeCall[] {
  const calls = readdirSync(dir).filter((f) => f.startsWith('call-')).sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  return calls.map((f) => {
    const n = f.slice(5);
    // One NUL-terminated record per argument.
    const argv = readFileSync(path.join(dir, f), 'utf8').split('\0').slice(0, -1);
    const docs = new Map<number, string>();
    for (const d of readdirSync(dir).filter((x) => x.startsWith(`doc-${n}-`))) docs.set(Number(d.split('-')[2]), readFileSync(path.join(dir, d), 'utf8'));
    return { argv, docs };
  });
}

/** Runs `sh file ...args` in a fresh directory under `work`, with the fakes in `fakeDir` first on PATH. */
export function runScript(file: string, args: string[], options: { fakeDir: string; work: string; env?: Record<string, string> }): ScriptRun {
  const callsDir = mkdtempSync(path.join(options.work, 'calls-'));
  const cwd = mkdtempSync(path.join(options.work, 'cwd-'));
  const result = spawnSync('/bin/sh', [file, ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: `${options.fakeDir}:/usr/bin:/bin`, FAKE_CALLS_DIR: callsDir, HOME: cwd, ...options.env },
  });
  return { result, calls: readCalls(callsDir), cwd };
}

/**
 * Asserts that one planned command arrived at the fake CLI exactly: every
 * literal argument as written, every variable as the value the script was
 * given, every document as a file:// whose content is the planned document.
 * Returns what arrived (arguments and documents), for checks on all of it.
 */
export function expectPlannedCall(call: FakeCall, command: { argv: readonly PlanArgument[] }, env: Record<string, string>, documents: ReadonlyMap<string, string>): string[] {
  expect(call.argv.length).toBe(command.argv.length - 1);
  const received = [...call.argv];
  command.argv.slice(1).forEach((arg, i) => {
    if (typeof arg === 'string') expect(call.argv[i]).toBe(arg);
    else if (isDocumentArgument(arg)) {
      expect(call.argv[i]).toMatch(/^file:\/\/.+/);
      expect(call.docs.get(i)).toBe(documents.get(arg.document));
      received.push(call.docs.get(i)!);
    } else expect(call.argv[i]).toBe(env[arg.env]);
  });
  return received;
}

