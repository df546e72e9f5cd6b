/**
 * S3 reads the CloudTrail collector needs: list folders, list keys after a
 * key, and stream an object. Fetch only; the caller decides what to read.
 */
import { GetObjectCommand, ListObjectsCommand, type _Object, type S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';

/**
 * Listing uses ListObjects (v1) with Marker: keys after a given key, which is
 * all this needs, and it pages the same on S3 and on S3-compatible stores
 * (s3rver cannot page ListObjectsV2: its continuation tokens need DES,
 * which Node 20's OpenSSL 3 no longer has). Needs s3:ListBucket, as v2 does.
 */
async function listPage(s3: S3Client, bucket: string, prefix: string, marker: string, maxKeys: number, counter: { listCalls: number }) {
  counter.listCalls++;
  return s3.send(new ListObjectsCommand({ Bucket: bucket, Prefix: prefix, MaxKeys: maxKeys, ...(marker ? { Marker: marker } : {}) }));
}

/**
 * Folder names one level below `prefix`, found by skipping past each folder
 * (one key, then Marker `<folder>0`: '0' sorts right after '/', so all the
 * folder's keys are skipped). One call per folder and no Delimiter needed;
 * CloudTrail folders (regions, organisation ids) are few.
 */
export async function listFolders(s3: S3Client, bucket: string, prefix: string, counter: { listCalls: number }): Promise<string[]> {
  const names: string[] = [];
  let marker = '';
  for (;;) {
    const key = (await listPage(s3, bucket, prefix, marker, 1, counter)).Contents?.[0]?.Key;
    if (!key) return names;
    const rest = key.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash < 0) {
      marker = key; // an object directly under prefix, not a folder
      continue;
    }
    const name = rest.slice(0, slash);
    names.push(name);
    marker = `${prefix}${name}0`;
  }
}

/** Objects under `prefix` after `startAfter`, every page. */
export async function listObjects(
  s3: S3Client,
  bucket: string,
  prefix: string,
  startAfter: string,
  counter: { listCalls: number },
  pageSize = 1000,
): Promise<_Object[]> {
  const objects: _Object[] = [];
  let marker = startAfter;
  for (;;) {
    const page = await listPage(s3, bucket, prefix, marker, pageSize, counter);
    const contents = page.Contents ?? [];
    objects.push(...contents);
    const last = page.NextMarker ?? contents[contents.length - 1]?.Key;
    if (!page.IsTruncated || !last) return objects;
    marker = last;
  }
}

/** The object's body as a Node stream (the SDK's Node handler returns an IncomingMessage). */
export async function openObject(s3: S3Client, bucket: string, key: string): Promise<Readable> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!out.Body) throw new Error('GetObject returned no body');
  return out.Body as Readable;
}
