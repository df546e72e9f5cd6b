/**
 * The one place the HTML report escapes text. Everything that reaches the
 * page from a cloud account (names, tags, policy text, evidence) goes through
 * here, or into the page's JSON data block through `scriptJson`, which the
 * page's JS renders with DOM text APIs only.
 */
import { createHash } from 'node:crypto';

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
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The CSP source expression allowing exactly this inline block, e.g. `'sha256-…'`. */
export function cspHash(content: string): string {
  return `'sha256-${createHash('sha256').update(content, 'utf8').digest('base64')}'`;
}
