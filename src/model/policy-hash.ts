/**
 * Content addressing for policy documents: the same document in two
 * accounts or two scans gets the same hash, so it is stored once.
 */
import { createHash } from 'node:crypto';
import type { PolicyDocument } from './policy.js';

/** JSON with object keys sorted at every depth; array order is kept (it is meaningful to nobody, but not ours to change). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function policyHash(document: PolicyDocument): string {
  return createHash('sha256').update(canonicalJson(document)).digest('hex');
}
