import { describe, expect, it } from 'vitest';
import { PhaseClock } from '../../src/util/phase-clock.js';

/** Waits until performance.now() has moved on, so the marks below are strictly ordered. */
function tick(): number {
  const t = performance.now();
  while (performance.now() <= t);
  return performance.now();
}

describe('PhaseClock', () => {
  it('charges each GC pause to the innermost phase running when it began, and drops pauses outside every phase', () => {
    const clock = new PhaseClock();
    const at: Record<string, number> = {};
    /** A phase that marks the time just after it starts, then runs a little longer. */
    const phase = (name: string, mark: string, inside: () => void = tick) =>
      clock.measure(name, () => {
        at[mark] = tick();
        inside();
        tick();
      });
    at.before = tick();
    phase('rules', 'inRulesFirst', () => {
      phase('rule a', 'inRuleA');
      at.inRulesBetween = tick();
      phase('rule b', 'inRuleB');
      at.inRulesLast = tick();
    });
    at.after = tick();
    phase('rule a', 'inRuleAAgain');
    const pause = (when: number, duration: number) => ({ startTime: when, duration });
    clock.gcPausesFrom([
      pause(at.before!, 100),
      pause(at.inRulesFirst!, 1),
      pause(at.inRuleA!, 2),
      pause(at.inRulesBetween!, 4),
      pause(at.inRuleB!, 8),
      pause(at.inRulesLast!, 16),
      pause(at.after!, 200),
      pause(at.inRuleAAgain!, 32),
    ]);
    const gc = Object.fromEntries(clock.phases().map((p) => [p.name, p.gcMs ?? 0]));
    expect(gc).toEqual({ rules: 1 + 4 + 16, 'rule a': 2 + 32, 'rule b': 8 });
  });
});
