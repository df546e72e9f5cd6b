/** JSON helpers for the few columns that hold documents or maps. */

/** JSON with object keys sorted at every level, to compare documents regardless of key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

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
