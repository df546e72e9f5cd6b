/**
 * Shows live-collection progress: on a terminal, one status line per
 * account redrawn in place (phase, pages, Access Advisor jobs done/pending
 * with an ETA, S3 objects and events); otherwise (pipes, CI) plain log
 * lines when a phase starts and at every tenth of its work.
 */
import type { ProgressEvent, ProgressSink } from '../collect/aws/progress.js';
import { terminalText } from '../util/terminal-text.js';

export interface ProgressOutput {
  write(s: string): void;
  isTTY?: boolean;
}

export interface ProgressRenderer {
  sink: ProgressSink;
  /** Leaves the last status on screen. */
  finish(): void;
}

function describe(e: ProgressEvent, startedAt: Map<string, number>, now: number): string {
  const key = `${e.account} ${e.phase}`;
  const started = startedAt.get(key) ?? now;
  const parts: string[] = [e.phase];
  if (e.phase === 'authorization-details' && e.done !== undefined) parts.push(`${e.done} page(s)`);
  else if (e.done !== undefined && e.total !== undefined) {
    parts.push(`${e.done}/${e.total}`);
    if (e.done > 0 && e.done < e.total) {
      const eta = ((now - started) / e.done) * (e.total - e.done);
      parts.push(`ETA ${Math.ceil(eta / 1000)}s`);
    }
  }
  if (e.pending !== undefined) parts.push(`${e.pending} job(s) pending`);
  if (e.events !== undefined) parts.push(`${e.events} events`);
  if (e.message) parts.push(terminalText(e.message));
  return `${terminalText(e.account)}: ${parts.join(', ')}`;
}

export function createProgressRenderer(out: ProgressOutput, options: { ci?: boolean; now?: () => number } = {}): ProgressRenderer {
  const now = options.now ?? Date.now;
  const startedAt = new Map<string, number>();
  const live = out.isTTY === true && !options.ci;
  const lines = new Map<string, string>();
  let drawn = 0;
  let lastDraw = Number.NEGATIVE_INFINITY;
  const lastLogged = new Map<string, number>();

  const draw = (force: boolean) => {
    const t = now();
    if (!force && t - lastDraw < 100) return;
    lastDraw = t;
    // Move up over the previous block, rewrite every line, clear leftovers.
    let s = drawn > 0 ? `\x1b[${drawn}A` : '';
    for (const line of lines.values()) s += `\r\x1b[K${line}\n`;
    out.write(s);
    drawn = lines.size;
  };

  const sink: ProgressSink = (e) => {
    const key = `${e.account} ${e.phase}`;
    if (!startedAt.has(key)) startedAt.set(key, now());
    const text = describe(e, startedAt, now());
    if (live) {
      lines.set(e.account, text);
      draw(e.phase === 'done');
      return;
    }
    // Log lines: a phase's start and each further tenth of its work (or ten pages).
    const tenth = e.total ? Math.floor((10 * (e.done ?? 0)) / e.total) : Math.floor((e.done ?? 0) / 10);
    if (lastLogged.get(key) === tenth) return;
    lastLogged.set(key, tenth);
    out.write(`${new Date(now()).toISOString()} ${text}\n`);
  };
  return { sink, finish: () => live && lines.size > 0 && draw(true) };
}
