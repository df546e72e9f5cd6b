/**
 * POSIX shell quoting for the plan scripts. Every value that came from a
 * cloud account (names, paths, tags, policy text) is hostile until quoted:
 * inside single quotes the shell expands nothing, so the only character to
 * handle is the single quote itself (close, escaped quote, reopen).
 */

/** One argument, single-quoted unless it is made only of characters the shell never interprets. */
export function shellQuote(value: string): string {
  if (value !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A word the script expands from its environment, e.g. `"$ACCESS_KEY_ID"` (double-quoted: no splitting, no globbing). */
export interface EnvArgument {
  env: string;
}

export function isEnvArgument(arg: unknown): arg is EnvArgument {
  return typeof arg === 'object' && arg !== null && 'env' in arg;
}

/**
 * A here-document delimiter that occurs nowhere in `content`, so the
 * quoted heredoc (`<<'DELIM'`) ends exactly where the content does.
 */
export function heredocDelimiter(content: string, base = 'KEYWARDEN_EOF'): string {
  const lines = new Set(content.split('\n'));
  let delimiter = base;
  for (let n = 1; lines.has(delimiter) || content.includes(delimiter); n++) delimiter = `${base}_${n}`;
  return delimiter;
}
