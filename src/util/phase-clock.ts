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

  measure<T>(name: string, run: () => T): T {
    const total = this.totals.get(name) ?? { name, wallMs: 0, cpuMs: 0 };
    this.totals.set(name, total);
    const entry: Open = { wall: performance.now(), cpu: cpuNow(), innerWall: 0, innerCpu: 0 };
    this.open.push(entry);
    try {
      return run();
    } finally {
      this.open.pop();
      const wall = performance.now() - entry.wall;
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

  /** Each phase's own time, in the order phases were first entered. */
  phases(): PhaseTime[] {
    return [...this.totals.values()].map((p) => ({ ...p }));
  }
}
