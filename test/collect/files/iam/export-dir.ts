/**
 * Builds throwaway export directories for the IAM importer tests: fixture
 * files are symlinked in (never copied into the repository), variations are
 * written next to them.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

export interface ExportDir {
  root: string;
  /** Symlink an existing file to `relative` under the root. */
  link(source: string, relative: string): string;
  /** Write text or JSON (4-space indented, as the CLI prints) to `relative`. */
  write(relative: string, content: string | object): string;
  path(relative: string): string;
}

// One hook for the whole test file: directories are also made inside tests, where hooks cannot be added.
const roots: string[] = [];
afterAll(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A fresh temp directory, removed when the test file finishes. */
export function makeExportDir(): ExportDir {
  const root = mkdtempSync(path.join(os.tmpdir(), 'keywarden-iam-'));
  roots.push(root);
  const at = (relative: string) => {
    const file = path.join(root, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    return file;
  };
  return {
    root,
    link(source, relative) {
      const file = at(relative);
      symlinkSync(source, file);
      return file;
    },
    write(relative, content) {
      const file = at(relative);
      writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 4));
      return file;
    },
    path: (relative) => path.join(root, relative),
  };
}

export function readJson<T = unknown>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}
