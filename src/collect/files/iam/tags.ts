import { redactNamedValue } from '../../../util/secrets.js';

/**
 * AWS tags arrive as `[{Key, Value}]` (IAM, Organizations) or, in hand-written
 * account.json, as a plain record. Values that hold a secret (by tag name or
 * by shape) are redacted here, before anything stores or prints them.
 */
export function tagsToRecord(tags: { Key?: string; Value?: string }[] | Record<string, string> | undefined): Record<string, string> {
  if (!tags) return {};
  const pairs: [string, string | undefined][] = Array.isArray(tags) ? tags.map((t) => [t.Key as string, t.Value]) : Object.entries(tags);
  const record: Record<string, string> = {};
  for (const [key, value] of pairs) if (key !== undefined) record[key] = redactNamedValue(key, value ?? '');
  return record;
}
