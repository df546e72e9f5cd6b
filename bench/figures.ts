/**
 * A benchmark's headline figures, for the summary table `npm run bench`
 * prints at the end. Each bench still prints its own detail; a figure line
 * is one machine-readable line on stdout that bench/run.ts collects.
 */
export interface Figure {
  /** What was measured, e.g. "CloudTrail ingest, 1M events, 2 workers". */
  measure: string;
  /** The result as people read it, e.g. "163,000 events/s, 290 MB". */
  result: string;
  /** The target as written in the issue, e.g. ">= 150,000 events/s". */
  target: string;
  ok: boolean;
}

export const FIGURE_PREFIX = '::figure::';

export function reportFigure(figure: Figure): void {
  console.log(`${FIGURE_PREFIX}${JSON.stringify(figure)}`);
}

export function parseFigure(line: string): Figure | undefined {
  if (!line.startsWith(FIGURE_PREFIX)) return undefined;
  try {
    return JSON.parse(line.slice(FIGURE_PREFIX.length)) as Figure;
  } catch {
    return undefined;
  }
}

/** The summary table: one row per figure, widths fitted to the content. */
export function figureTable(rows: (Figure & { bench: string })[]): string {
  const cells = rows.map((r) => [r.bench, r.measure, r.result, r.target, r.ok ? 'ok' : 'MISSED']);
  const header = ['benchmark', 'measure', 'result', 'target', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i]!)).join(' | ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...cells.map(line)].join('\n');
}
