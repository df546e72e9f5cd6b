/**
 * The one place the HTML report escapes text. Everything that reaches the
 * page from a cloud account (names, tags, policy text, evidence) goes through
 * here, or into the page's JSON data block through `scriptJson`, which the
 * page's JS renders with DOM text APIs only.
 */
import { createHash } from 'node:crypto';
import { writeJson } from '../json-stream.js';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for element content and double- or single-quoted attribute values. */
export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}

/**
 * JSON for a `<script type="application/json">` block. `<`, `>` and `&` become
 * \u escapes so no data can close the element or open a comment
 * (`</script>`, `<!--`); U+2028/2029 are escaped for old JS parsers that
 * treat them as line ends. JSON.parse reads the escapes back unchanged.
 */
export function scriptJson(value: unknown): string {
  return escapeScriptJson(JSON.stringify(value));
}

/** scriptJson's escaping of JSON text already made (a piece of it: the escapes work character by character). */
export function escapeScriptJson(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** scriptJson written piece by piece: `value`'s arrays one item at a time (a 50,000-identity page's data is not one string). */
export function scriptJsonContent(value: unknown): (out: (text: string) => void) => void {
  return (out) => writeJson(value, out, { depth: 2, leaf: escapeScriptJson });
}

/** The CSP source expression allowing exactly this inline block, e.g. `'sha256-…'`. */
export function cspHash(content: string): string {
  return `'sha256-${createHash('sha256').update(content, 'utf8').digest('base64')}'`;
}
