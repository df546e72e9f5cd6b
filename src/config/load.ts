/**
 * Reading and validating the config file. Every problem becomes a
 * ConfigError whose message is one printable line naming the file, the
 * position where known, and the key path:
 *   keywarden.yaml:7:11: environments.accounts[2].id: expected a 12-digit AWS account id, got 11 digits
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { UserError } from '../cli/errors.js';
import { findJsonSyntaxProblem } from './json-position.js';
import { configSchema, type KeywardenConfig } from './schema.js';
import { quoteInMessage } from '../util/secrets.js';
import { MAX_INPUT_NESTING, nestingDepth, yamlNestingDepth } from '../util/nesting.js';

export class ConfigError extends UserError {
  /** Every problem found, one line each; `message` is the first (plus a count of the rest). */
  readonly problems: readonly string[];

  constructor(
    readonly file: string,
    problems: string[],
  ) {
    const [first = `${file}: invalid config`, ...rest] = problems;
    super(rest.length === 0 ? first : `${first} (and ${rest.length} more ${rest.length === 1 ? 'problem' : 'problems'})`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Segment = string | number;

/** Deeply frozen: shared by every caller that has no config file. */
export const DEFAULT_CONFIG: KeywardenConfig = deepFreeze(configSchema.parse({}));

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const EXTENSIONS = ['.yaml', '.yml', '.json'];

/**
 * Loads and validates a config file; with no file, the defaults. Relative
 * `database` and `reports` paths are resolved against the file's directory,
 * so the config means the same thing from any working directory.
 */
export function loadConfig(file?: string): KeywardenConfig {
  if (file === undefined) return DEFAULT_CONFIG;
  const ext = path.extname(file).toLowerCase();
  if (!EXTENSIONS.includes(ext)) {
    throw new ConfigError(file, [`${file}: unsupported config file type ${JSON.stringify(ext || '(none)')}: use .yaml, .yml or .json`]);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`${file}: cannot read config file: ${readProblem(err)}`]);
  }
  const config = parseConfig(text, file);
  const base = path.dirname(path.resolve(file));
  return {
    ...config,
    ...(config.database !== undefined && { database: path.resolve(base, config.database) }),
    ...(config.reports !== undefined && { reports: path.resolve(base, config.reports) }),
    ...(config.suggestions.planDir !== undefined && {
      suggestions: { ...config.suggestions, planDir: path.resolve(base, config.suggestions.planDir) },
    }),
    ...(config.suppressions !== undefined && { suppressions: path.resolve(base, config.suppressions) }),
    ...(config.schedule?.from !== undefined && { schedule: { ...config.schedule, from: path.resolve(base, config.schedule.from) } }),
    ...(config.gcp?.predefinedRoles !== undefined && { gcp: { ...config.gcp, predefinedRoles: path.resolve(base, config.gcp.predefinedRoles) } }),
  };
}

export function readProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return code ?? (err instanceof Error ? err.message : String(err));
}

/**
 * Parses config text: JSON when `fileName` ends in `.json`, YAML otherwise.
 * `fileName` is only used in messages and to pick the syntax.
 */
export function parseConfig(text: string, fileName: string): KeywardenConfig {
  return parseValidated(configSchema, text, fileName);
}

/**
 * Parses YAML or JSON text (by `fileName`) and validates it with a strict zod
 * schema; every problem is one line `file:line:col: key.path: message`.
 * Shared by the config file and the other files users write (suppressions).
 */
export function parseValidated<S extends z.ZodType>(schema: S, text: string, fileName: string): z.output<S> {
  try {
    return parseValidatedUnguarded(schema, text, fileName);
  } catch (error) {
    // Aliases can still build a value deeper than its text (checked before recursion): refuse the file, not crash.
    if (error instanceof RangeError && /call stack/.test(error.message)) throw tooDeep(fileName);
    throw error;
  }
}

function parseValidatedUnguarded<S extends z.ZodType>(schema: S, text: string, fileName: string): z.output<S> {
  const lines = new LineCounter();
  const { data, doc } = fileName.toLowerCase().endsWith('.json')
    ? parseJson(text, fileName, lines)
    : parseYaml(text, fileName, lines);

  // An empty file, or one holding only comments, means "all defaults".
  const input = data ?? {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError(fileName, [`${fileName}: expected a mapping of settings at the top level, got ${describeValue(input)}`]);
  }

  const result = schema.safeParse(withoutNulls(input), { error: (issue) => defaultMessage(issue) });
  if (result.success) return result.data;

  const located = result.error.issues.flatMap((issue) => explain(issue, schema)).map((p) => ({ ...p, offset: locate(doc, p.path, p.atKey) }));
  located.sort((a, b) => (a.offset ?? Infinity) - (b.offset ?? Infinity));
  throw new ConfigError(
    fileName,
    located.map((p) => `${where(fileName, lines, p.offset)}: ${formatPath(p.path)}: ${p.message}`),
  );
}

/** Text nested deeper than any real file is refused before a recursive parser or walker sees it (util/nesting.ts says why). */
function tooDeep(fileName: string): ConfigError {
  return new ConfigError(fileName, [`${fileName}: nested too deeply to read (lists or mappings inside each other more than ${MAX_INPUT_NESTING} levels deep)`]);
}

function parseYaml(text: string, fileName: string, lines: LineCounter): { data: unknown; doc: Document } {
  if (yamlNestingDepth(text, MAX_INPUT_NESTING) > MAX_INPUT_NESTING) throw tooDeep(fileName);
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      fileName,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        // yaml appends " at line L, column C:" and a code excerpt; keep the first clause.
        const message = e.message.split(/ at line \d+, column \d+|\n/)[0]!.trim();
        return `${fileName}${pos ? `:${pos.line}:${pos.col}` : ''}: invalid YAML: ${message}`;
      }),
    );
  }
  try {
    return { data: doc.toJS({ maxAliasCount: 100 }), doc };
  } catch (err) {
    // e.g. alias expansion bombs ("Excessive alias count").
    throw new ConfigError(fileName, [`${fileName}: invalid YAML: ${err instanceof Error ? err.message : String(err)}`]);
  }
}

function parseJson(text: string, fileName: string, lines: LineCounter): { data: unknown; doc: Document | undefined } {
  const body = text.replace(/^\uFEFF/, '');
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch (err) {
    const problem = findJsonSyntaxProblem(body);
    const at = problem ? `${fileName}:${lineCol(body, problem.offset)}` : fileName;
    const message = problem?.message ?? (err instanceof Error ? err.message.split('\n')[0] : String(err));
    throw new ConfigError(fileName, [`${at}: invalid JSON: ${message}`]);
  }
  // JSON.parse does not recurse; the YAML parser below does.
  if (nestingDepth(data, MAX_INPUT_NESTING) > MAX_INPUT_NESTING) throw tooDeep(fileName);
  // JSON is YAML, so the YAML parser can tell where each key is; JSON.parse
  // silently keeps the last of duplicate keys, which the YAML parser catches.
  const doc = parseDocument(body, { lineCounter: lines, uniqueKeys: true });
  const dup = doc.errors.find((e) => e.code === 'DUPLICATE_KEY');
  if (dup) {
    const pos = dup.linePos?.[0];
    throw new ConfigError(fileName, [`${fileName}${pos ? `:${pos.line}:${pos.col}` : ''}: invalid JSON: duplicate key`]);
  }
  return { data, doc: doc.errors.length === 0 ? doc : undefined };
}

/** A key written with no value (`names:` with its list commented out) counts as absent. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => [k, withoutNulls(v)]),
    );
  }
  return value;
}

// ---------------------------------------------------------------- messages

const NOUNS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
};

/** Messages for issues the schema gave none of its own. */
function defaultMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'invalid_type') {
    const want = NOUNS[issue.expected] ?? issue.expected;
    return issue.input === undefined ? `missing: expected ${want}` : `expected ${want}, got ${describeValue(issue.input)}`;
  }
  if (issue.code === 'invalid_value') {
    const options = issue.values.map(String).join(', ');
    return issue.input === undefined
      ? `missing: expected one of ${options}`
      : `expected one of ${options}, got ${describeValue(issue.input)}`;
  }
  return undefined;
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  // The value may be a token pasted into the wrong key: quoted only when short and not secret-shaped.
  if (typeof value === 'string') return quoteInMessage(value);
  return `${typeof value} ${String(value)}`;
}

interface Problem {
  path: Segment[];
  message: string;
  /** Point at the key rather than its value (unknown keys). */
  atKey?: boolean;
}

function explain(issue: z.core.$ZodIssue, schema: z.core.$ZodType): Problem[] {
  const at = issue.path.filter((s): s is Segment => typeof s !== 'symbol');
  if (issue.code !== 'unrecognized_keys') return [{ path: at, message: issue.message }];
  const known = knownKeys(schema, at);
  return issue.keys.map((key) => {
    const guess = closest(key, known);
    const hint = guess ? `did you mean ${guess}?` : known.length > 0 ? `expected one of ${known.join(', ')}` : '';
    return { path: [...at, key], message: `unknown key${hint ? `; ${hint}` : ''}`, atKey: true };
  });
}

/** The keys the schema allows at a path, for "did you mean". */
function knownKeys(schema: z.core.$ZodType, at: Segment[]): string[] {
  let node: z.core.$ZodType | undefined = schema;
  let rest = [...at];
  while (node) {
    const def = node._zod.def as unknown as Record<string, unknown> & { type: string };
    if (def.type === 'optional' || def.type === 'default' || def.type === 'prefault' || def.type === 'nullable') {
      node = def.innerType as z.core.$ZodType;
    } else if (def.type === 'pipe') {
      node = def.in as z.core.$ZodType;
    } else if (rest.length === 0) {
      return def.type === 'object' ? Object.keys(def.shape as object) : [];
    } else if (def.type === 'object') {
      node = (def.shape as Record<string, z.core.$ZodType>)[String(rest[0])];
      rest = rest.slice(1);
    } else if (def.type === 'array') {
      node = def.element as z.core.$ZodType;
      rest = rest.slice(1);
    } else return [];
  }
  return [];
}

/** A known key within two edits (or differing only in case) of the unknown one. */
function closest(key: string, known: string[]): string | undefined {
  let best: { k: string; d: number } | undefined;
  for (const k of known) {
    const d = k.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, k);
    if (d <= 2 && (!best || d < best.d)) best = { k, d };
  }
  return best?.k;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** `environments.accounts[2].id`; odd keys (from a typo) are JSON-quoted. */
export function formatPath(at: Segment[]): string {
  if (at.length === 0) return '(top level)';
  return at
    .map((s, i) =>
      typeof s === 'number' ? `[${s}]` : /^[A-Za-z_$][\w$]*$/.test(s) ? `${i === 0 ? '' : '.'}${s}` : `[${JSON.stringify(s)}]`,
    )
    .join('');
}

// ---------------------------------------------------------------- positions

/** Source offset of the deepest node on the path that exists (the key itself for map entries). */
function locate(doc: Document | undefined, at: Segment[], atKey = false): number | undefined {
  let node: unknown = doc?.contents;
  let offset: number | undefined = rangeStart(node);
  for (const [i, seg] of at.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      offset = rangeStart(pair.key) ?? offset;
      node = pair.value;
      if (atKey && i === at.length - 1) break;
      // Point at the value when there is one: that is what is wrong.
      offset = rangeStart(node) ?? offset;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      if (node === undefined) break;
      offset = rangeStart(node) ?? offset;
    } else break;
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return range?.[0];
}

function lineCol(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `${line}:${offset - before.lastIndexOf('\n')}`;
}

function where(fileName: string, lines: LineCounter, offset: number | undefined): string {
  if (offset === undefined) return fileName;
  const { line, col } = lines.linePos(offset);
  return `${fileName}:${line}:${col}`;
}
