/**
 * The frame every keywarden HTML page shares: a Content-Security-Policy that
 * allows only this page's own inline style and script (by hash), no remote
 * loads, no forms, no base URL; and no referrer if a link is followed.
 */
import type { StreamedContent } from '../write.js';
import { cspHash, escapeHtml } from './escape.js';

export interface HtmlDocument {
  title: string;
  css: string;
  body: string;
  /** Inline script run by the page; its hash goes into the CSP. */
  script?: string;
  /** JSON data blocks read by the script, by element id: each already passed through scriptJson (or scriptJsonContent). */
  data?: Record<string, string | StreamedContent>;
  /**
   * Blocks placed after the script, read later: the script runs, and the
   * page is usable, while the parser is still reading them.
   */
  lateData?: Record<string, string | StreamedContent>;
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

function writeDataBlocks(blocks: Record<string, string | StreamedContent> = {}, out: (text: string) => void): void {
  for (const [id, json] of Object.entries(blocks)) {
    out(`\n<script type="application/json" id="${escapeHtml(id)}">`);
    if (typeof json === 'string') out(json);
    else json(out);
    out('</script>');
  }
}

/** The page, piece by piece (its data blocks may be streamed). */
export function writeHtmlDocument(doc: HtmlDocument, out: (text: string) => void): void {
  out(
    [
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
    ].join('\n'),
  );
  writeDataBlocks(doc.data, out);
  out(`\n${doc.script === undefined ? '' : `<script>${doc.script}</script>`}`);
  writeDataBlocks(doc.lateData, out);
  out('\n</body>\n</html>\n');
}

export function htmlDocument(doc: HtmlDocument): string {
  const parts: string[] = [];
  writeHtmlDocument(doc, (s) => parts.push(s));
  return parts.join('');
}
