/** JSON helpers for the few columns that hold documents or maps. */

// One canonical form for the whole project: the same one policy hashes are taken over.
export { canonicalJson } from '../model/policy-hash.js';

/** Tags are a flat string map; anything else is a collector bug, refused rather than dumped. */
export function tagsJson(tags: unknown): string {
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) {
    throw new Error(`tags must be an object of strings, got ${tags === null ? 'null' : typeof tags}`);
  }
  const copy: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags)) {
    if (typeof value !== 'string') throw new Error(`tag ${JSON.stringify(key)} has a ${typeof value} value, expected a string`);
    copy[key] = value;
  }
  return JSON.stringify(copy);
}

export function parseJson<T>(text: string | null): T | undefined {
  return text === null ? undefined : (JSON.parse(text) as T);
}
