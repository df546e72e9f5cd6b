/**
 * The one place where SDK response objects become the shapes the AWS CLI
 * prints (model/aws-wire.ts), so the file importer's pure transforms can be
 * reused unchanged: Dates become ISO strings, and the URL-encoded policy
 * documents the raw IAM API returns are decoded once into JSON objects.
 */
import type { Wire } from '../../model/aws-wire.js';

/** Fields that hold policy documents in IAM responses (URL-encoded JSON on the wire). */
const POLICY_DOCUMENT_FIELDS = new Set(['PolicyDocument', 'Document', 'AssumeRolePolicyDocument']);

/**
 * URL-encoded JSON -> object. A document that does not decode is left as
 * the string it was, so the transform reports it as a gap naming the policy.
 */
function decodeDocument(value: string): unknown {
  try {
    return JSON.parse(/^\s*%7b/i.test(value) ? decodeURIComponent(value) : value);
  } catch {
    return value;
  }
}

function convert(value: unknown, key: string | undefined): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') return key !== undefined && POLICY_DOCUMENT_FIELDS.has(key) ? decodeDocument(value) : value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map((v) => convert(v, undefined));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // $metadata (request ids, attempts) is transport detail, not data.
      if (k === '$metadata' || v === undefined) continue;
      out[k] = convert(v, k);
    }
    return out;
  }
  return value;
}

/** SDK output -> CLI-printed shape. Policy documents come back as objects. */
export function toWire<T>(response: T): Wire<T> {
  return convert(response, undefined) as Wire<T>;
}
