import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { renewNurseryHold, startWorkerNurseriesAt, withNurseryHeld } from '../../src/util/nursery.js';

const nurseryMb = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_size / 1048576;

/** Allocates ~100 MB that all survives: V8 answers by growing the nursery, unless it is held. */
function allocateSurvivors(): unknown[] {
  const kept: unknown[] = [];
  for (let i = 0; i < 1_500_000; i++) kept.push({ n: i, s: `value ${i}` });
  return kept;
}

/** A worker that reports its own nursery once running, with the pool's young generation limit. */
function startWorker(): Promise<{ worker: Worker; nurseryMb: number }> {
  const worker = new Worker(
    `const v8 = require('node:v8');
     require('node:worker_threads').parentPort.postMessage(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576);
     setTimeout(() => {}, 60_000);`,
    { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 12 } },
  );
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (mb: number) => resolve({ worker, nurseryMb: mb }));
  });
}

describe('nursery', () => {
  const workers: Worker[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.terminate()));
  });

  // One test: a nursery that has grown never shrinks back within a test file, so the order matters.
  it('stays at its size while held, across a worker start, and grows again once released', async () => {
    const before = nurseryMb();
    expect(before).toBeLessThan(32); // room to grow (V8's largest nursery on 64-bit)
    let held = 0;

    await withNurseryHeld(async () => {
      // A worker's heap setup puts the growth factor back to 2; renewed once it is online, the hold holds.
      startWorkerNurseriesAt(12);
      const started = await startWorker();
      workers.push(started.worker);
      renewNurseryHold();
      // The worker started at its full young generation (12 MB: semi-spaces of 4 MB).
      expect(started.nurseryMb).toBe(4);
      // Measured after the worker start: a scavenge while the worker was starting may have grown it once.
      held = nurseryMb();
      const kept = allocateSurvivors();
      expect(nurseryMb()).toBe(held);
      expect(kept.length).toBeGreaterThan(0);
    });

    const kept = allocateSurvivors();
    expect(nurseryMb()).toBeGreaterThan(held);
    expect(kept.length).toBeGreaterThan(0);
  });
});
