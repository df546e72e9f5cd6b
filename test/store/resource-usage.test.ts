import { describe, expect, it } from 'vitest';
import type { ResourceUsageDay } from '../../src/model/domain.js';
import { openStore } from '../../src/store/index.js';
import { MAX_STORED_RESOURCES_PER_ACTION } from '../../src/store/resource-usage.js';
import { realisticSnapshot, TERRAFORM_USER } from './realistic-snapshot.js';

const row = (resourceArn: string, day: string, calls: number): ResourceUsageDay => ({ identityArn: TERRAFORM_USER, action: 's3:PutObject', day, resourceArn, calls });
/** A later scan of the same inventory, without the first one's CloudTrail objects and usage. */
function later() {
  const snapshot = realisticSnapshot();
  snapshot.collectedAt = '2025-03-11T06:00:00.000Z';
  snapshot.ingested = [];
  snapshot.usage = [];
  return snapshot;
}
const WINDOW = { from: '2025-03-01', to: '2025-03-31' };

describe('usage_resources (migration 7)', () => {
  it('accumulates across scans, deduplicated per resource and day, within the window', () => {
    const store = openStore(':memory:');
    store.writeScan(realisticSnapshot(), {
      resourceUsage: { days: [row('arn:aws:s3:::b/logs/*', '2025-03-09', 3)], gaps: [{ identityArn: TERRAFORM_USER, action: 's3:PutObject', day: '2025-03-09', unresolved: 1, overflow: 0 }] },
    });
    store.writeScan(later(), { resourceUsage: { days: [row('arn:aws:s3:::b/logs/*', '2025-03-09', 2), row('arn:aws:s3:::c/*', '2025-02-01', 7)], gaps: [] } });
    const evidence = store.resourceEvidence(WINDOW).get(TERRAFORM_USER)!.get('s3:PutObject');
    expect(evidence).toEqual({ resources: ['arn:aws:s3:::b/logs/*'], calls: 5, unresolved: 1, overflow: 0 });
    expect(store.resourceEvidence({ from: '2025-01-01', to: '2025-03-31' }, [TERRAFORM_USER]).get(TERRAFORM_USER)!.get('s3:PutObject')!.resources).toHaveLength(2);
    store.close();
  });

  it('keeps at most the cap of distinct resources per (identity, action) over the whole history; further calls become overflow', () => {
    const store = openStore(':memory:');
    const many = Array.from({ length: MAX_STORED_RESOURCES_PER_ACTION + 4 }, (_, i) => row(`arn:aws:s3:::b${i}`, '2025-03-09', 1));
    store.writeScan(realisticSnapshot(), { resourceUsage: { days: many.slice(0, 10), gaps: [] } });
    store.writeScan(later(), { resourceUsage: { days: [...many.slice(10), row('arn:aws:s3:::b0', '2025-03-10', 2)], gaps: [] } });
    const evidence = store.resourceEvidence(WINDOW).get(TERRAFORM_USER)!.get('s3:PutObject')!;
    expect(evidence.resources).toHaveLength(MAX_STORED_RESOURCES_PER_ACTION);
    expect(evidence.overflow).toBe(4);
    // A resource already kept still accumulates past the cap.
    expect(evidence.calls).toBe(MAX_STORED_RESOURCES_PER_ACTION + 2);
    store.close();
  });

  it('refuses a row that is not an ARN', () => {
    const store = openStore(':memory:');
    expect(() => store.writeScan(realisticSnapshot(), { resourceUsage: { days: [row('my-bucket', '2025-03-09', 1)], gaps: [] } })).toThrow(/resourceUsage/);
    store.close();
  });
});
