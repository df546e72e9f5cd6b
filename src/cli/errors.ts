/**
 * Exit codes are part of keywarden's interface (documented in the README):
 * scripts and CI branch on them.
 */
export const EXIT = {
  /** Report written, coverage complete. */
  ok: 0,
  /** Findings at or above the --fail-on threshold (CI gate). */
  findings: 1,
  /** Report written, but some source could not be read (coverage gap). */
  incomplete: 2,
  /** Bad arguments, config or input a user can fix. */
  usage: 3,
  /** A bug in keywarden. */
  internal: 4,
  /** Another keywarden was writing the same database: nothing was stored; run again. */
  busy: 5,
} as const;

/** An error the user can fix: printed as one line, no stack trace. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
