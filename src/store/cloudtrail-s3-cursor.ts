/**
 * The CloudTrail-in-S3 cursor (migration 3): which objects were read, and
 * which days are complete, per bucket/prefix/account/region. Written in the
 * scan's own transaction, so the cursor never moves without the usage.
 */
import type Database from 'better-sqlite3';

export interface CloudTrailS3Object {
  bucket: string;
  key: string;
  etag: string;
  digest: string;
  accountId: string;
  region: string;
  day: string;
}

export interface CloudTrailS3Day {
  bucket: string;
  prefix: string;
  accountId: string;
  region: string;
  day: string;
  objects: number;
}

/** Where one account/region's logs are, and the first day of interest. */
export interface CloudTrailS3Scope {
  bucket: string;
  prefix: string;
  accountId: string;
  region: string;
  fromDay: string;
}

export function writeCloudTrailS3Cursor(
  db: Database.Database,
  scanId: number,
  finishedAt: string,
  objects: readonly CloudTrailS3Object[],
  days: readonly CloudTrailS3Day[],
): void {
  const object = db.prepare(
    `INSERT INTO cloudtrail_s3_objects (bucket, key, etag, digest, account_id, region, day, scan_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (bucket, key) DO UPDATE SET etag = excluded.etag, digest = excluded.digest, scan_id = excluded.scan_id`,
  );
  const day = db.prepare(
    `INSERT INTO cloudtrail_s3_days (bucket, prefix, account_id, region, day, objects, scan_id, completed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (bucket, prefix, account_id, region, day) DO NOTHING`,
  );
  for (const o of objects) object.run(o.bucket, o.key, o.etag, o.digest, o.accountId, o.region, o.day, scanId);
  for (const d of days) day.run(d.bucket, d.prefix, d.accountId, d.region, d.day, d.objects, scanId, finishedAt);
}

/** Completed days from `fromDay` on. */
export function completedCloudTrailS3Days(db: Database.Database, scope: CloudTrailS3Scope): Set<string> {
  const rows = db
    .prepare<[string, string, string, string, string], string>(
      `SELECT day FROM cloudtrail_s3_days WHERE bucket = ? AND prefix = ? AND account_id = ? AND region = ? AND day >= ?`,
    )
    .pluck()
    .all(scope.bucket, scope.prefix, scope.accountId, scope.region, scope.fromDay);
  return new Set(rows);
}

/** Objects already read (key -> ETag) from `fromDay` on. */
export function readCloudTrailS3Objects(db: Database.Database, scope: CloudTrailS3Scope): Map<string, string> {
  const rows = db
    .prepare<[string, string, string, string], { key: string; etag: string }>(
      `SELECT key, etag FROM cloudtrail_s3_objects WHERE bucket = ? AND account_id = ? AND region = ? AND day >= ?`,
    )
    .all(scope.bucket, scope.accountId, scope.region, scope.fromDay);
  return new Map(rows.map((r) => [r.key, r.etag]));
}
