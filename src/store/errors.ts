/** An error a user can act on, always naming the database file. */
export class StoreError extends Error {
  override readonly name: string = 'StoreError';
  constructor(
    message: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Another keywarden holds the database (or stored the same CloudTrail files
 * first): nothing of this scan was written, and running again is safe.
 */
export class StoreBusyError extends StoreError {
  override readonly name: string = 'StoreBusyError';
  constructor(
    message: string,
    path: string,
    /** `locked`: the busy timeout ran out; `ingested-meanwhile`: collecting again would skip those files. */
    readonly reason: 'locked' | 'ingested-meanwhile',
    options?: { cause?: unknown },
  ) {
    super(message, path, options);
  }
}

/** SQLite's busy/locked codes, including the extended ones (SQLITE_BUSY_SNAPSHOT, …). */
export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
