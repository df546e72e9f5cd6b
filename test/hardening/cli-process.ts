/**
 * The keywarden CLI as a separate process (bin/keywarden.js), the way a
 * user or a scheduler runs it: for tests that kill it, race two of it, or
 * read everything it prints.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { projectRoot } from '../helpers/fixtures.js';

export const BIN = path.join(projectRoot, 'bin', 'keywarden.js');
export const CONFIG = path.join(projectRoot, 'examples', 'keywarden.example.yaml');

export interface CliRun {
  child: ChildProcess;
  /** Output so far (complete once `done` resolves). */
  out: () => string;
  err: () => string;
  /** Resolves on exit with the exit code, or the signal that ended the process. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when stderr first contains `text` (never, if it does not). */
  sawErr: (text: string) => Promise<void>;
}

/** Starts `node bin/keywarden.js ...args`; `umask` (octal) runs it under that umask through sh. */
export function startCli(args: string[], options: { umask?: string; cwd?: string } = {}): CliRun {
  const command = options.umask
    ? spawn('sh', ['-c', `umask ${options.umask} && exec "$0" "$@"`, process.execPath, BIN, ...args], { cwd: options.cwd ?? projectRoot })
    : spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? projectRoot });
  let out = '';
  let err = '';
  const waiting: { text: string; resolve: () => void }[] = [];
  command.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  command.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    for (const w of waiting.splice(0)) (err.includes(w.text) ? w.resolve() : waiting.push(w));
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    command.on('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    child: command,
    out: () => out,
    err: () => err,
    done,
    sawErr: (text) => (err.includes(text) ? Promise.resolve() : new Promise((resolve) => waiting.push({ text, resolve }))),
  };
}

/** Runs the CLI to the end. */
export async function runCli(args: string[], options: { umask?: string; cwd?: string } = {}) {
  const run = startCli(args, options);
  const { code, signal } = await run.done;
  return { code, signal, out: run.out(), err: run.err() };
}

/** The CLI in this process (faster: no start-up), with everything it prints; `onErr` sees each stderr write as it happens. */
export async function cliInProcess(args: string[], onErr: (s: string) => void = () => {}) {
  let out = '';
  let err = '';
  const code = await main(['node', 'keywarden', ...args], {
    out: (s) => void (out += s),
    err: (s) => {
      err += s;
      onErr(s);
    },
  });
  return { code, out, err };
}
