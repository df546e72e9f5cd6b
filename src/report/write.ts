/** Writes report files under the reports directory, owner-readable only. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Atomic write (temp file + rename) so a reader never sees half a report. */
export function writeReportFile(file: string, content: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
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
