/**
 * Wall and CPU time per named phase of a run, for benchmarks that print
 * where an audit spends its time. Phases nest: time spent in an inner phase
 * counts for it alone, not also for the phase around it, so the figures add
 * up to the whole. A phase entered twice (one per rule, say) accumulates.
 * CPU time is process.cpuUsage (user + system): on a shared machine it says
 * more about the code than wall time does.
 */

export interface PhaseTime {
  name: string;
  wallMs: number;
  cpuMs: number;
  /** Garbage-collection pauses that began while this phase (not one inside it) ran: see gcPausesFrom. */
  gcMs?: number;
}

export interface PhaseTimer {
  measure<T>(name: string, run: () => T): T;
}

/** The timer callers get when nobody asked for figures: runs the phase, records nothing. */
export const NO_TIMER: PhaseTimer = { measure: (_name, run) => run() };

interface Open {
  wall: number;
  cpu: number;
  /** Time of the phases inside this one, taken out of its own. */
  innerWall: number;
  innerCpu: number;
}

const cpuNow = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

export class PhaseClock implements PhaseTimer {
  private readonly totals = new Map<string, PhaseTime>();
  private readonly open: Open[] = [];
  /** Every entry into a phase (performance.now() times), to place GC pauses afterwards. Phases nest properly. */
  private readonly spans: { name: string; start: number; end: number }[] = [];

  measure<T>(name: string, run: () => T): T {
    const total = this.totals.get(name) ?? { name, wallMs: 0, cpuMs: 0 };
    this.totals.set(name, total);
    const entry: Open = { wall: performance.now(), cpu: cpuNow(), innerWall: 0, innerCpu: 0 };
    this.open.push(entry);
    try {
      return run();
    } finally {
      this.open.pop();
      const end = performance.now();
      this.spans.push({ name, start: entry.wall, end });
      const wall = end - entry.wall;
      const cpu = cpuNow() - entry.cpu;
      total.wallMs += wall - entry.innerWall;
      total.cpuMs += cpu - entry.innerCpu;
      const outer = this.open[this.open.length - 1];
      if (outer) {
        outer.innerWall += wall;
        outer.innerCpu += cpu;
      }
    }
  }

  /**
   * Charges each GC pause (PerformanceObserver 'gc' entries, which arrive only
   * after the synchronous run) to the innermost phase running when it began.
   */
  gcPausesFrom(entries: readonly { startTime: number; duration: number }[]): void {
    // One sweep over starts, ends and pauses in time order, with the phases open at each moment on a stack.
    type Mark = { at: number; order: number; until?: number; open?: string; close?: true; pause?: number };
    const marks: Mark[] = [];
    for (const span of this.spans) marks.push({ at: span.start, order: 1, until: span.end, open: span.name }, { at: span.end, order: 0, close: true });
    for (const gc of entries) marks.push({ at: gc.startTime, order: 2, pause: gc.duration });
    // At equal times: close, then open (the outer phase first), then a pause (which belongs to the phase just opened).
    marks.sort((a, b) => a.at - b.at || a.order - b.order || (b.until ?? 0) - (a.until ?? 0));
    const stack: string[] = [];
    for (const mark of marks) {
      if (mark.close) stack.pop();
      else if (mark.open !== undefined) stack.push(mark.open);
      else if (stack.length) {
        const total = this.totals.get(stack[stack.length - 1]!)!;
        total.gcMs = (total.gcMs ?? 0) + mark.pause!;
      }
    }
  }

  /** Each phase's own time, in the order phases were first entered. */
  phases(): PhaseTime[] {
    return [...this.totals.values()].map((p) => ({ ...p }));
  }
}
