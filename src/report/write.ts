/** Writes report files under the reports directory, owner-readable only. */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Atomic write (temp file, fsync, rename) so a reader, or a run killed
 * half-way, never leaves half a report under the real name. The temp file is
 * created fresh (a killed run with the same pid may have left one, with
 * whatever mode) and owner-only.
 */
export function writeReportFile(file: string, content: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeFileSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** `keywarden-2026-11-15-scan3.json` next to `latest.json`; returns both paths. */
export function writeDatedReport(dir: string, day: string, scanId: number, ext: string, content: string): string[] {
  const dated = path.join(dir, `keywarden-${day}-scan${scanId}.${ext}`);
  const latest = path.join(dir, `latest.${ext}`);
  writeReportFile(dated, content);
  writeReportFile(latest, content);
  return [dated, latest];
}
