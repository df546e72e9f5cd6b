/**
 * Where a JSON text first goes wrong. Node's JSON.parse often names no
 * position ("Unexpected token '}', … is not valid JSON"), and a config
 * error must point at a line and column. Called only after JSON.parse has
 * failed, so it validates and never builds values.
 */
import { MAX_INPUT_NESTING } from '../util/nesting.js';

export interface JsonSyntaxProblem {
  offset: number;
  message: string;
}

class Stop extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

export function findJsonSyntaxProblem(text: string): JsonSyntaxProblem | undefined {
  let i = 0;
  const shown = (at: number) => (at >= text.length ? 'end of file' : JSON.stringify(text[at]));
  const fail = (what: string): never => {
    throw new Stop(i, `${what}, found ${shown(i)}`);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const string = () => {
    i++;
    for (;;) {
      const c = text[i];
      if (c === undefined) throw new Stop(i, 'unterminated string');
      if (c === '"') return void i++;
      if (c < ' ') throw new Stop(i, 'control character inside a string (escape it)');
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else throw new Stop(i, 'invalid escape in a string');
      } else i++;
    }
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') return container('}', true);
    if (c === '[') return container(']', false);
    if (c === '"') return string();
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, i)) return void (i += literal.length);
    }
    NUMBER.lastIndex = i;
    if (c !== undefined && /[-0-9]/.test(c) && NUMBER.test(text)) return void (i = NUMBER.lastIndex);
    fail('expected a value');
  };
  let depth = 0;
  const container = (close: string, keyed: boolean) => {
    // Bounded rather than left to overflow the stack (util/nesting.ts says why).
    if (++depth > MAX_INPUT_NESTING) throw new Stop(i, `nested more than ${MAX_INPUT_NESTING} levels deep`);
    i++;
    ws();
    if (text[i] === close) return void (i++, depth--);
    for (;;) {
      ws();
      if (keyed) {
        if (text[i] !== '"') fail('expected a quoted key');
        string();
        ws();
        if (text[i] !== ':') fail("expected ':' after the key");
        i++;
      }
      value();
      ws();
      if (text[i] === ',') {
        i++;
        ws();
        if (text[i] === close) throw new Stop(i, `trailing comma before '${close}'`);
        continue;
      }
      if (text[i] === close) return void (i++, depth--);
      fail(`expected ',' or '${close}'`);
    }
  };
  try {
    value();
    ws();
    if (i < text.length) fail('unexpected text after the JSON value');
    return undefined;
  } catch (err) {
    if (err instanceof Stop) return { offset: err.offset, message: err.message };
    throw err;
  }
}
