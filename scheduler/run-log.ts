/** The `runs` table: every scheduled or manual run, its outcome, coverage and counts. */
import os from 'node:os';
import type Database from 'better-sqlite3';

export type RunKind = 'audit' | 'ingest';
export type RunOutcome = 'running' | 'ok' | 'incomplete' | 'failed' | 'aborted';

export interface RunCounts {
  identities?: number;
  findings?: number;
  openFindings?: number;
  findingsBySeverity?: Record<string, number>;
  prunedScans?: number;
  prunedUsageRows?: number;
}

export interface RunRecord {
  id: number;
  kind: RunKind;
  attempt: number;
  startedAt: string;
  finishedAt: string | null;
  outcome: RunOutcome;
  scanId: number | null;
  coverageComplete: boolean | null;
  counts: RunCounts | null;
  error: string | null;
  host: string;
  pid: number;
}

export interface RunEnd {
  outcome: Exclude<RunOutcome, 'running'>;
  scanId?: number;
  coverageComplete?: boolean;
  counts?: RunCounts;
  error?: string;
}

interface RunRow extends Omit<RunRecord, 'coverageComplete' | 'counts'> {
  coverageComplete: number | null;
  counts: string | null;
}

const SELECT = `SELECT id, kind, attempt, started_at AS startedAt, finished_at AS finishedAt, outcome, scan_id AS scanId,
  coverage_complete AS coverageComplete, counts, error, host, pid FROM runs`;

export class RunLog {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date = () => new Date(),
  ) {}

  start(kind: RunKind, attempt: number): number {
    const info = this.db
      .prepare(`INSERT INTO runs (kind, attempt, started_at, outcome, host, pid) VALUES (?, ?, ?, 'running', ?, ?)`)
      .run(kind, attempt, this.now().toISOString(), os.hostname(), process.pid);
    return Number(info.lastInsertRowid);
  }

  finish(id: number, end: RunEnd): void {
    this.db
      .prepare(
        `UPDATE runs SET finished_at = ?, outcome = ?, scan_id = ?, coverage_complete = ?, counts = ?, error = ?
         WHERE id = ? AND outcome = 'running'`,
      )
      .run(
        this.now().toISOString(),
        end.outcome,
        end.scanId ?? null,
        end.coverageComplete === undefined ? null : end.coverageComplete ? 1 : 0,
        end.counts ? JSON.stringify(end.counts) : null,
        end.error ?? null,
        id,
      );
  }

  /** Runs a crashed holder left 'running': they are aborted, with the reason. Returns how many. */
  abortAbandoned(reason: string): number {
    return this.db
      .prepare(`UPDATE runs SET outcome = 'aborted', finished_at = ?, error = ? WHERE outcome = 'running'`)
      .run(this.now().toISOString(), reason).changes;
  }

  /** Newest first. */
  list(limit = 50): RunRecord[] {
    return this.db.prepare<[number], RunRow>(`${SELECT} ORDER BY id DESC LIMIT ?`).all(limit).map(toRecord);
  }

  get(id: number): RunRecord | undefined {
    const row = this.db.prepare<[number], RunRow>(`${SELECT} WHERE id = ?`).get(id);
    return row && toRecord(row);
  }
}

function toRecord(row: RunRow): RunRecord {
  return {
    ...row,
    coverageComplete: row.coverageComplete === null ? null : row.coverageComplete === 1,
    counts: row.counts === null ? null : (JSON.parse(row.counts) as RunCounts),
  };
}
