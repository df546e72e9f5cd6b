import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CloudTrailParseError, CloudTrailRecordReader } from '../../../../src/collect/files/cloudtrail/record-reader.js';
import { pickRecordFields, type CloudTrailRecordFields } from '../../../../src/collect/files/cloudtrail/record-fields.js';
import { describeFixtures, fixture } from '../../../helpers/fixtures.js';

/** Runs the reader over `text` cut into chunks of the given sizes (cycled). */
function readAll(text: string | Buffer, chunkSizes: number[] = [1 << 16], source = 'test.json', reuse = false): CloudTrailRecordFields[] {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const out: CloudTrailRecordFields[] = [];
  // A reused record is only valid during onRecord: copied (absent members dropped, as in a fresh record).
  const keep = reuse ? (r: CloudTrailRecordFields) => JSON.parse(JSON.stringify(r)) as CloudTrailRecordFields : (r: CloudTrailRecordFields) => r;
  const reader = new CloudTrailRecordReader({ source, reuse, onRecord: (r) => out.push(keep(r)) });
  for (let pos = 0, i = 0; pos < bytes.length; i++) {
    const size = chunkSizes[i % chunkSizes.length]!;
    reader.push(bytes.subarray(pos, pos + size));
    pos += size;
  }
  reader.end();
  return out;
}

/** The reference: JSON.parse, then the same projection. */
function reference(text: string): CloudTrailRecordFields[] {
  const parsed = JSON.parse(text) as unknown;
  const records = Array.isArray(parsed) ? parsed : (parsed as { Records: unknown[] }).Records;
  return records.map(pickRecordFields);
}

function parseError(fn: () => unknown): CloudTrailParseError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CloudTrailParseError);
    return err as CloudTrailParseError;
  }
  throw new Error('expected a CloudTrailParseError');
}

// Deterministic PRNG so a failing fuzz case can be reproduced.
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NASTY = ['"', '\\', '\n', '\t', '\u0000', '\u001f', '/', 'é', '日本', '😀', '\u2028', '{', '}', '[', ']', ',', ':', '\\"', 'arn', 'eventName'];

function fuzzRecord(r: () => number): Record<string, unknown> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const str = (): string => {
    let s = '';
    const n = Math.floor(r() * 12);
    for (let i = 0; i < n; i++) s += r() < 0.35 ? pick(NASTY) : String.fromCharCode(97 + Math.floor(r() * 26));
    return s;
  };
  // Values for captured fields: mostly strings, sometimes null, numbers or objects (which must read as absent).
  const val = (): unknown => {
    const x = r();
    return x < 0.8 ? str() : x < 0.88 ? null : x < 0.94 ? Math.floor(r() * 1000) - 500 : { nested: str() };
  };
  // A request body holding keys that look like the top-level ones and must not be mistaken for them.
  const decoy = (depth: number): unknown => {
    if (depth > 3 || r() < 0.2) return pick([str(), 12.5e-3, -7, true, false, null, []]);
    if (r() < 0.3) return Array.from({ length: Math.floor(r() * 4) }, () => decoy(depth + 1));
    const o: Record<string, unknown> = {};
    for (const key of ['eventName', 'arn', 'userIdentity', 'eventSource', 'type', 'sessionIssuer', str()]) {
      if (r() < 0.5) o[key] = decoy(depth + 1);
    }
    return o;
  };
  const rec: Record<string, unknown> = {};
  const keys = [
    'eventVersion',
    'eventTime',
    'eventSource',
    'eventName',
    'eventID',
    'awsRegion',
    'recipientAccountId',
    'errorCode',
    'userAgent',
    'sourceIPAddress',
    'eventType',
    'requestParameters',
    'responseElements',
    'userIdentity',
    'readOnly',
    'resources',
  ];
  // random key order
  for (const key of keys.sort(() => r() - 0.5)) {
    if (r() < 0.15) continue;
    if (key === 'requestParameters' || key === 'responseElements' || key === 'resources') rec[key] = decoy(0);
    else if (key === 'readOnly') rec[key] = r() < 0.5;
    else if (key === 'userIdentity') {
      if (r() < 0.1) {
        rec[key] = null;
        continue;
      }
      const ui: Record<string, unknown> = {};
      for (const k of ['type', 'arn', 'accountId', 'accessKeyId', 'principalId', 'userName', 'invokedBy']) if (r() < 0.8) ui[k] = val();
      if (r() < 0.6) {
        ui.sessionContext =
          r() < 0.1
            ? 'not-an-object'
            : {
                attributes: { creationDate: str(), mfaAuthenticated: 'false', arn: str() },
                ...(r() < 0.8 ? { sessionIssuer: { type: val(), arn: val(), userName: val(), principalId: str(), accountId: str() } } : {}),
                webIdFederationData: decoy(1),
              };
      }
      rec[key] = ui;
    } else rec[key] = val();
  }
  return rec;
}

describe('CloudTrailRecordReader', () => {
  it('matches JSON.parse on 400 fuzzed records, pretty and compact, wrapped and bare, any chunking', () => {
    const r = prng(7);
    for (let round = 0; round < 40; round++) {
      const records = Array.from({ length: 10 }, () => fuzzRecord(r));
      const indent = [undefined, 2, '\t', 1][round % 4];
      const text =
        round % 2 === 0
          ? JSON.stringify({ Records: records }, null, indent)
          : JSON.stringify(records, null, indent);
      const expected = reference(text);
      expect(readAll(text), `round ${round}`).toEqual(expected);
      // tiny and odd chunk sizes split tokens, escapes and multi-byte characters
      const sizes = [1 + Math.floor(r() * 7), 1 + Math.floor(r() * 300), 1 + Math.floor(r() * 3000)];
      expect(readAll(text, sizes), `round ${round} chunked ${sizes.join(',')}`).toEqual(expected);
      // One record object refilled for every record: the same content, record by record.
      expect(readAll(text, sizes, 'test.json', true), `round ${round} reused`).toEqual(JSON.parse(JSON.stringify(expected)));
    }
  });

  it('decodes only the requested fields when told which', () => {
    const text = JSON.stringify([
      {
        eventName: 'GetObject',
        eventID: 'id-1',
        sourceIPAddress: '192.0.2.1',
        userIdentity: { type: 'AssumedRole', arn: 'arn:s', principalId: 'P', sessionContext: { sessionIssuer: { arn: 'arn:r', userName: 'r' } } },
      },
    ]);
    const out: CloudTrailRecordFields[] = [];
    const reader = new CloudTrailRecordReader({
      source: 't',
      fields: ['eventName', 'userIdentity.type', 'userIdentity.sessionContext.sessionIssuer.arn'],
      onRecord: (r) => out.push(r),
    });
    reader.push(Buffer.from(text));
    reader.end();
    expect(out[0]).toEqual({
      eventName: 'GetObject',
      userIdentity: { type: 'AssumedRole', sessionContext: { sessionIssuer: { arn: 'arn:r' } } },
    });
  });

  it('decodes escapes and unicode exactly', () => {
    const rec = {
      eventName: 'Get"Quoted"\\Back\\slash',
      userAgent: 'agent/1.0 (\u00e9t\u00e9; 日本; 😀) \n newline \u2028',
      eventSource: 'plain.amazonaws.com',
      userIdentity: { arn: 'arn:aws:iam::123456789012:user/\u00fcser', type: 'IAMUser' },
    };
    const [out] = readAll(JSON.stringify([rec]), [3]);
    expect(out!.eventName).toBe(rec.eventName);
    expect(out!.userAgent).toBe(rec.userAgent);
    expect(out!.userIdentity?.arn).toBe(rec.userIdentity.arn);
  });

  it('decodes \\u escapes in keys and values like JSON.parse', () => {
    const text = '[{"event\\u004eame":"\\u0047etObject","eventSource":"s3.amazonaws.com"}]';
    expect(readAll(text)).toEqual(reference(text));
    expect(readAll(text)[0]!.eventName).toBe('GetObject');
  });

  it('does not take nested look-alike keys for the top-level ones', () => {
    const text = JSON.stringify([
      {
        requestParameters: { eventName: 'Decoy', userIdentity: { arn: 'arn:decoy' }, list: [{ eventSource: 'x' }, '}{]['] },
        eventName: 'Real',
        userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::1:user/real', sessionContext: { attributes: { arn: 'nope' } } },
        responseElements: { arn: 'arn:decoy2', type: 'Decoy' },
      },
    ]);
    const [out] = readAll(text);
    expect(out!.eventName).toBe('Real');
    expect(out!.userIdentity?.arn).toBe('arn:aws:iam::1:user/real');
    expect(out!.userIdentity?.type).toBe('IAMUser');
    expect(out!.userIdentity?.sessionContext?.sessionIssuer).toBeUndefined();
  });

  it('lets the last duplicate key win, as JSON.parse does', () => {
    const text = '[{"eventName":"First","eventName":null,"userIdentity":{"arn":"a","type":"T"},"userIdentity":{"arn":"b"}}]';
    const out = readAll(text);
    expect(out).toEqual(reference(text));
    expect(out[0]!.eventName).toBeUndefined();
    expect(out[0]!.userIdentity?.type).toBeUndefined();
  });

  it('reads a Records wrapper with other top-level keys around it, and a BOM', () => {
    const text = '\ufeff{ "meta": {"Records": "not this"}, "Records" : [ {"eventName":"A"} , {"eventName":"B"} ] , "trailer": [1,2,{"x":"]"}] }';
    expect(readAll(text, [5]).map((r) => r.eventName)).toEqual(['A', 'B']);
  });

  it('accepts empty record arrays', () => {
    expect(readAll('{"Records":[]}')).toEqual([]);
    expect(readAll(' [ ] \n')).toEqual([]);
  });

  it('keeps only the unconsumed tail between chunks', () => {
    const records = Array.from({ length: 200 }, (_, i) => ({ eventName: `E${i}`, requestParameters: { pad: 'x'.repeat(500) } }));
    const bytes = Buffer.from(JSON.stringify({ Records: records }));
    const out: CloudTrailRecordFields[] = [];
    const reader = new CloudTrailRecordReader({ source: 's', onRecord: (r) => out.push(r) });
    reader.push(bytes.subarray(0, 50_000));
    // ~90 records complete in the first 50 KB are emitted before the input ends
    expect(out.length).toBeGreaterThan(80);
    expect(out.length).toBeLessThan(100);
    reader.push(bytes.subarray(50_000));
    reader.end();
    expect(out.map((r) => r.eventName)).toEqual(records.map((r) => r.eventName));
  });

  it('handles a single record larger than many chunks', () => {
    const big = { eventName: 'Big', requestParameters: { blob: 'y'.repeat(3_000_000), list: Array.from({ length: 1000 }, (_, i) => ({ i })) } };
    const text = JSON.stringify([big, { eventName: 'After' }]);
    expect(readAll(text, [4096]).map((r) => r.eventName)).toEqual(['Big', 'After']);
  });

  describe('errors name the input and the byte offset', () => {
    it('truncated input', () => {
      const text = JSON.stringify({ Records: [{ eventName: 'A' }, { eventName: 'B' }] });
      const err = parseError(() => readAll(text.slice(0, 35), [1 << 16], 'AWSLogs/x.json'));
      expect(err.message).toMatch(/^AWSLogs\/x\.json: invalid CloudTrail JSON at byte 35: unexpected end of input inside the records array after record 1 \(the incomplete part starts at byte 29\); file truncated\?$/);
    });

    it('a missing comma between records', () => {
      const text = '[{"eventName":"A"} {"eventName":"B"}]';
      const err = parseError(() => readAll(text, [4], 'f.json'));
      expect(err.offset).toBe(19);
      expect(err.message).toContain("f.json: invalid CloudTrail JSON at byte 19: expected ',' or ']' after record 1, found '{'");
    });

    it('a bad member separator inside a record', () => {
      const err = parseError(() => readAll('[{"eventName":"A" "x":1}]'));
      expect(err.offset).toBe(18);
      expect(err.message).toContain("expected ',' or '}' in record 1");
    });

    it('an invalid literal', () => {
      const err = parseError(() => readAll('[{"readOnly":tru,"eventName":"A"}]'));
      expect(err.message).toContain("invalid value 'tru'");
      expect(err.offset).toBe(13);
    });

    it.each(['01', '1.', '-', '.5', '1e', '1e+', 'nul', 'True', '+1', '0x10'])('an invalid scalar %s', (scalar) => {
      const err = parseError(() => readAll(`[{"eventName":"A","readOnly":${scalar}}]`));
      expect(err.offset).toBe(29);
      expect(err.message).toContain(`invalid value '${scalar}'`);
    });

    it('valid scalars of every kind are skipped', () => {
      const text = '[{"a":true,"b":false,"c":null,"d":0,"e":-0,"f":12.5,"g":-1e+9,"h":3E-2,"i":7,"eventName":"X"}]';
      expect(readAll(text)).toEqual(reference(text));
    });

    it('mismatched brackets in a skipped value', () => {
      const err = parseError(() => readAll('[{"requestParameters":{"a":[1,2}}]'));
      expect(err.message).toContain("mismatched '}'");
      expect(err.offset).toBe(31);
    });

    it('an invalid escape in a decoded string', () => {
      expect(parseError(() => readAll('[{"eventName":"bad \\x escape"}]')).message).toContain('invalid escape');
    });

    it('an invalid escape in a key, in a record or at the top level (found by the hostile-input suite)', () => {
      expect(parseError(() => readAll('[{"event\\qName":"A"}]')).message).toContain('invalid escape');
      expect(parseError(() => readAll('{"Rec\\qords":[]}')).message).toContain('invalid escape');
    });

    it('a record that is not an object', () => {
      expect(parseError(() => readAll('[{"eventName":"A"}, 42]')).message).toContain('record 2 is not a JSON object');
    });

    it('an object without Records (e.g. a digest file)', () => {
      const digest = '{"awsAccountId":"111122223333","digestStartTime":"2024-08-01T00:00:00Z","logFiles":[]}';
      expect(parseError(() => readAll(digest)).message).toContain('no Records array');
      expect(parseError(() => readAll('{}')).message).toContain('no Records array');
    });

    it('Records that is not an array', () => {
      expect(parseError(() => readAll('{"Records":{}}')).message).toContain('Records is not an array');
    });

    it('data after the JSON value', () => {
      expect(parseError(() => readAll('[] []')).message).toContain('unexpected data after the end');
    });

    it('not JSON at all', () => {
      expect(parseError(() => readAll('<html>')).message).toContain("expected '{' (a CloudTrail log file) or '['");
    });

    it('empty input', () => {
      expect(parseError(() => readAll('')).message).toContain('empty input');
      expect(parseError(() => readAll('   ')).message).toContain('unexpected end of input');
    });
  });
});

describeFixtures('CloudTrailRecordReader on the stratus-red-team captures', () => {
  it('reads a real capture exactly as JSON.parse does', () => {
    for (const name of ['aws.credential-access.ec2-steal-instance-credentials.json', 'aws.persistence.sts-federation-token.json']) {
      const text = readFileSync(fixture(`aws/cloudtrail-stratus/${name}`), 'utf8');
      expect(readAll(text, [777])).toEqual(reference(text));
      // and compacted, inside a Records wrapper, as in a real log file
      const wrapped = JSON.stringify({ Records: JSON.parse(text) as unknown[] });
      expect(readAll(wrapped, [1000])).toEqual(reference(wrapped));
    }
  });
});
