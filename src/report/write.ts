/** Writes report files under the reports directory, owner-readable only. */
import { closeSync, copyFileSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

/** A report as text, or as a function writing its text piece by piece (reports too large for one string). */
export type ReportContent = string | StreamedContent;
/** Content written piece by piece: calls `out` with each piece, in order. */
export type StreamedContent = (out: (text: string) => void) => void;

/** Pieces are gathered in a buffer of this many bytes before a write. */
const BUFFER_BYTES = 4 << 20;

function writeAll(fd: number, bytes: Buffer, length = bytes.length): void {
  for (let done = 0; done < length; ) done += writeSync(fd, bytes, done, length - done);
}

/** Writes pieces of text to `fd` through one reused buffer; `end` writes what is left. */
function bufferedWriter(fd: number): { write: (text: string) => void; end: () => void } {
  const buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  let used = 0;
  const flush = () => {
    writeAll(fd, buffer, used);
    used = 0;
  };
  return {
    write(text) {
      // UTF-8 takes at most 3 bytes per UTF-16 code unit.
      if (used + text.length * 3 > buffer.length) {
        flush();
        if (text.length * 3 > buffer.length) return writeAll(fd, Buffer.from(text, 'utf8'));
      }
      used += buffer.write(text, used, 'utf8');
    },
    end: flush,
  };
}

/** A fresh owner-only temp file beside `file`, written by `fill`, fsynced, renamed over `file`; removed if anything fails. */
function atomically(file: string, fill: (tmp: string) => void): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  removeDeadRunsTemps(file);
  const tmp = `${file}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  try {
    fill(tmp);
    renameSync(tmp, file);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

/**
 * Temp files of `file` left by runs that were killed (SIGKILL, out of
 * memory, power loss): a report at scale is gigabytes, and each such run
 * would leave one. A temp file whose process still runs is another writer's.
 */
function removeDeadRunsTemps(file: string): void {
  const prefix = `${path.basename(file)}.`;
  let names: string[];
  try {
    names = readdirSync(path.dirname(file));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(name.slice(prefix.length, -'.tmp'.length));
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !isRunning(pid)) rmSync(path.join(path.dirname(file), name), { force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Atomic write (temp file, fsync, rename) so a reader, or a run killed
 * half-way, never leaves half a report under the real name. The temp file is
 * created fresh (a killed run with the same pid may have left one, with
 * whatever mode) and owner-only. Streamed content is written as it comes, in
 * bounded pieces; if producing it fails half-way, the temp file is removed
 * and whatever was under the real name stays as it was.
 */
export function writeReportFile(file: string, content: ReportContent): void {
  atomically(file, (tmp) => {
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      if (typeof content === 'string') writeAll(fd, Buffer.from(content, 'utf8'));
      else {
        const writer = bufferedWriter(fd);
        content(writer.write);
        writer.end();
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  });
}

/**
 * `to` made an atomic second name of the finished report `from` (a hard link:
 * reports are only ever replaced by rename, never rewritten in place, so the
 * two names cannot drift; a copy where links are not possible).
 */
export function duplicateReportFile(from: string, to: string): void {
  atomically(to, (tmp) => {
    try {
      linkSync(from, tmp);
    } catch {
      copyFileSync(from, tmp);
      const fd = openSync(tmp, 'r+');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  });
}

/** `keywarden-2026-11-15-scan3.json`: a report's dated file name. */
export function datedReportName(day: string, scanId: number, ext: string): string {
  return `keywarden-${day}-scan${scanId}.${ext}`;
}

/** `keywarden-2026-11-15-scan3.json` next to `latest.json`; returns both paths. The content is produced once. */
export function writeDatedReport(dir: string, day: string, scanId: number, ext: string, content: ReportContent): string[] {
  const dated = path.join(dir, datedReportName(day, scanId, ext));
  const latest = path.join(dir, `latest.${ext}`);
  writeReportFile(dated, content);
  duplicateReportFile(dated, latest);
  return [dated, latest];
}
