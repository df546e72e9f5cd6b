/** The page's stylesheet and script: real files beside this module, read once at run time. */
import { readFileSync } from 'node:fs';

const cache = new Map<string, string>();

/** Contents of `assets/<name>`, resolved relative to this module so it works from src/ and an installed package alike. */
export function asset(name: 'report.css' | 'report.js'): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(`./assets/${name}`, import.meta.url), 'utf8');
    cache.set(name, text);
  }
  return text;
}
