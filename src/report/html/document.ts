/**
 * The frame every keywarden HTML page shares: a Content-Security-Policy that
 * allows only this page's own inline style and script (by hash), no remote
 * loads, no forms, no base URL; and no referrer if a link is followed.
 */
import { cspHash, escapeHtml } from './escape.js';

export interface HtmlDocument {
  title: string;
  css: string;
  body: string;
  /** Inline script run by the page; its hash goes into the CSP. */
  script?: string;
  /** JSON data blocks read by the script, by element id: each already passed through scriptJson. */
  data?: Record<string, string>;
  /**
   * Blocks placed after the script, read later: the script runs, and the
   * page is usable, while the parser is still reading them.
   */
  lateData?: Record<string, string>;
  /** `<meta name content>` pairs for tools that read the file's head (the report index). */
  meta?: Record<string, string>;
}

export function contentSecurityPolicy(css: string, script?: string): string {
  return [
    "default-src 'none'",
    `script-src ${script === undefined ? "'none'" : cspHash(script)}`,
    `style-src ${cspHash(css)}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

function dataBlocks(blocks: Record<string, string> = {}): string[] {
  return Object.entries(blocks).map(([id, json]) => `<script type="application/json" id="${escapeHtml(id)}">${json}</script>`);
}

export function htmlDocument(doc: HtmlDocument): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(doc.css, doc.script))}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    ...Object.entries(doc.meta ?? {}).map(([name, content]) => `<meta name="${escapeHtml(name)}" content="${escapeHtml(content)}">`),
    `<title>${escapeHtml(doc.title)}</title>`,
    `<style>${doc.css}</style>`,
    '</head>',
    '<body>',
    doc.body,
    ...dataBlocks(doc.data),
    doc.script === undefined ? '' : `<script>${doc.script}</script>`,
    ...dataBlocks(doc.lateData),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
