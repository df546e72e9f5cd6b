/**
 * Writes CloudTrail records the way a trail delivers them: gzip files of
 * `{"Records": [...]}` under `AWSLogs/<account>/CloudTrail/<region>/<yyyy>/
 * <mm>/<dd>/`, one file per (account, region, day). The stratus captures are
 * bare arrays outside that layout; laid out like this, the local ingest and
 * the Athena table (partitions from the key) read the very same files.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

type RecordLike = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Partition of a record: its recipient account, region and day, with stand-ins where it has none. */
function partitionOf(r: RecordLike): { account: string; region: string; day: string } {
  const ui = (r.userIdentity ?? {}) as RecordLike;
  const account = str(r.recipientAccountId) ?? str(ui.accountId) ?? '';
  const region = str(r.awsRegion) ?? '';
  const time = str(r.eventTime) ?? '';
  return {
    account: /^\d{12}$/.test(account) ? account : '000000000000',
    region: /^[a-z0-9-]+$/.test(region) ? region : 'us-east-1',
    // CloudTrail's own days (2013 on); an unreadable or absurd time goes to a stand-in day.
    day: /^(201[3-9]|20[2-5]\d)-\d{2}-\d{2}/.test(time) ? time.slice(0, 10).replaceAll('-', '/') : '2026/01/01',
  };
}

/** Writes the records below `root` (…/AWSLogs/…); returns the files written, sorted. */
export function writeCloudTrailLayout(root: string, records: readonly unknown[], name: string): string[] {
  const groups = new Map<string, { p: ReturnType<typeof partitionOf>; records: unknown[] }>();
  for (const r of records) {
    const p = partitionOf((r ?? {}) as RecordLike);
    const key = `${p.account}/${p.region}/${p.day}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { p, records: [] }));
    g.records.push(r);
  }
  const files: string[] = [];
  for (const { p, records: list } of groups.values()) {
    const dir = path.join(root, 'AWSLogs', p.account, 'CloudTrail', p.region, ...p.day.split('/'));
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${p.account}_CloudTrail_${p.region}_${p.day.replaceAll('/', '')}T0000Z_${name}.json.gz`);
    writeFileSync(file, gzipSync(JSON.stringify({ Records: list })));
    files.push(file);
  }
  return files.sort();
}

/** The stratus-red-team captures (bare arrays) laid out below `root`. */
export function layOutStratusCaptures(captureDir: string, root: string): string[] {
  return readdirSync(captureDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => writeCloudTrailLayout(root, JSON.parse(readFileSync(path.join(captureDir, f), 'utf8')) as unknown[], f.replace(/\.json$/, '')))
    .sort();
}
