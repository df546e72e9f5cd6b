import { describe, expect, it } from 'vitest';
import { terminalLines, terminalText } from '../../src/util/terminal-text.js';

describe('terminalText', () => {
  it('shows controls, separators, bidi and invisible characters and lone surrogates as escapes', () => {
    expect(terminalText('a\x1b[2J\x1b]8;;x\x07b\rc\nd\te\x7f\u0085\u009b')).toBe('a\\u001b[2J\\u001b]8;;x\\u0007b\\u000dc\\u000ad\\u0009e\\u007f\\u0085\\u009b');
    expect(terminalText('qa-\u202egnp.exe\u2066\u200b\u200d\ufeff\u00ad\u2028')).toBe('qa-\\u202egnp.exe\\u2066\\u200b\\u200d\\ufeff\\u00ad\\u2028');
    expect(terminalText('tag\u{e0041}\udfff\ud800')).toBe('tag\\u{e0041}\\udfff\\ud800');
  });

  it('leaves printable text alone, whatever its script', () => {
    for (const text of ['arn:aws:iam::111111111111:role/deployer', 'élève ümlaut 東京 😀 e\u0301', '$(touch x) `y` \'"<b>']) expect(terminalText(text)).toBe(text);
  });

  it('terminalLines keeps line breaks and tabs, and escapes the rest', () => {
    expect(terminalLines('one\ttwo\nthree\r\x1b[K\u202e')).toBe('one\ttwo\nthree\\u000d\\u001b[K\\u202e');
  });
});
