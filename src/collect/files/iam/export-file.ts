/**
 * Reading export files with errors a person can act on: every failure names
 * the file and says what was wrong with it.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { findJsonSyntaxProblem } from '../../../config/json-position.js';

export class ExportFileError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'ExportFileError';
  }
}

export function readTextFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ExportFileError(file, `cannot be read (${code ?? (err as Error).message})`);
  }
  if (text.trim() === '') throw new ExportFileError(file, 'is empty');
  // Windows editors and PowerShell redirection add a byte-order mark.
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function readJsonFile(file: string): unknown {
  const text = readTextFile(file);
  try {
    return JSON.parse(text);
  } catch {
    const syntax = jsonSyntaxError(text);
    throw new ExportFileError(file, `${syntax.truncated ? 'is truncated' : 'is not valid JSON'} (${syntax.where})`);
  }
}

/**
 * Where a JSON text that JSON.parse refused goes wrong, as line and column.
 * Node's own message quotes the text around the error, which may be a
 * secret, so it is never passed on. An error at the very end of the text
 * means the file was cut short (interrupted copy or download).
 */
export function jsonSyntaxError(text: string): { truncated: boolean; where: string } {
  const problem = findJsonSyntaxProblem(text) ?? { offset: text.length, message: 'invalid JSON' };
  const before = text.slice(0, problem.offset);
  const line = before.split('\n').length;
  const column = problem.offset - before.lastIndexOf('\n');
  const truncated = problem.offset >= text.trimEnd().length || /unterminated/.test(problem.message);
  return { truncated, where: `line ${line} column ${column}: ${problem.message}` };
}

/** Validate with a zod schema; the error names the file and the first offending field. */
export function parseWith<S extends z.ZodType>(file: string, schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
  throw new ExportFileError(file, `is not ${what}${where}: ${issue?.message ?? 'invalid'}`);
}
