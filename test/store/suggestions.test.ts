/** Suggestions stored with a scan: read back as they were planned, without the status they had in the report that stored them. */
import { expect, it } from 'vitest';
import { PROD } from '../helpers/scenario.js';
import { suggestionsOf } from '../suggest/pipeline.js';

const IAM_FULL = { name: 'IAMFullAccess', kind: 'managed' as const, arn: 'arn:aws:iam::aws:policy/IAMFullAccess', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow' as const, Action: 'iam:*', Resource: '*' }] } };
const S3_FULL = { name: 'AmazonS3FullAccess', kind: 'managed' as const, arn: 'arn:aws:iam::aws:policy/AmazonS3FullAccess', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow' as const, Action: 's3:*', Resource: '*' }] } };

it('stores suggestions as planned, drops a status given with them, and reads them back in id order', async () => {
  const { facts, suggestions } = await suggestionsOf({ identities: [{ arn: `arn:aws:iam::${PROD}:role/reporter`, policies: [IAM_FULL, S3_FULL] }] });
  const planned = suggestions.map((s) => s.suggestion);
  expect(planned.length).toBeGreaterThanOrEqual(2);
  const scanId = facts.scan.id;
  // One as the audit stores it (no status yet), one as a report carries it.
  const [first, ...rest] = planned;
  facts.store.saveSuggestions(scanId, [{ ...first!, status: 'open' }, ...rest]);
  const read = facts.store.suggestions(scanId);
  expect(read).toEqual([...planned].sort((a, b) => (a.id < b.id ? -1 : 1)));
  for (const s of read) expect(Object.keys(s)).not.toContain('status');
  // Stored again: replaced as a whole, keys in the order they were planned.
  facts.store.saveSuggestions(scanId, rest);
  expect(facts.store.suggestions(scanId).map((s) => JSON.stringify(s)).sort()).toEqual(rest.map((s) => JSON.stringify(s)).sort());
});
