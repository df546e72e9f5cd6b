/** Directory listing that follows symlinks (tests and users link export files in) and sorts names naturally. */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ExportFileError } from './export-file.js';

export interface DirEntry {
  name: string;
  path: string;
  kind: 'file' | 'dir' | 'other';
}

const naturalOrder = new Intl.Collator('en', { numeric: true });

/** Entries of `dir`, hidden names (`.DS_Store`, `.git`) left out. Throws ExportFileError if `dir` cannot be listed. */
export function listDir(dir: string): DirEntry[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new ExportFileError(dir, `cannot be listed (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return names
    .filter((name) => !name.startsWith('.'))
    .sort(naturalOrder.compare)
    .map((name) => {
      const full = path.join(dir, name);
      let kind: DirEntry['kind'] = 'other';
      try {
        const stat = statSync(full);
        kind = stat.isDirectory() ? 'dir' : stat.isFile() ? 'file' : 'other';
      } catch {
        // A dangling symlink: listed as 'other' so the caller can report it.
      }
      return { name, path: full, kind };
    });
}
