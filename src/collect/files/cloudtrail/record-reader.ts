/**
 * Streaming, byte-level reader for CloudTrail log JSON. It walks Buffers
 * directly, decodes only the fields in record-fields.ts and skips the rest
 * (request/response bodies are most of every record) without building
 * objects, which is what makes ingest several times faster than JSON.parse.
 *
 * Input: `{"Records": [ ... ]}` (a CloudTrail log file; other top-level keys
 * are skipped) or a bare array of records, with any whitespace. Chunks can
 * split the input anywhere: complete records are emitted, and only the
 * unconsumed tail (at most one partial record) is kept between chunks.
 *
 * Validation: the top-level structure and every record's own members are
 * checked strictly; skipped nested values are checked for balanced brackets
 * and terminated strings, not for full JSON grammar. Errors name the input
 * and the (decompressed) byte offset.
 */
import { quoteInMessage } from '../../../util/secrets.js';
import {
  IDENTITY_STRING_FIELDS,
  ISSUER_STRING_FIELDS,
  RECORD_STRING_FIELDS,
  REQUEST_PARAMETER_FIELDS,
  type CloudTrailRecordFields,
  type CloudTrailRequestParameters,
  type CloudTrailUserIdentity,
} from './record-fields.js';

export class CloudTrailParseError extends Error {
  constructor(
    readonly source: string,
    readonly offset: number,
    problem: string,
  ) {
    super(`${source}: invalid CloudTrail JSON at byte ${offset}: ${problem}`);
    this.name = 'CloudTrailParseError';
  }
}

/** Thrown internally when the buffer ends inside the current token; never escapes the reader. */
const NEED_MORE = { needMore: true };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

/**
 * A member the reader decodes: a string field stored in a value slot, or an
 * object (userIdentity, sessionContext, sessionIssuer) with its own members.
 * Values go into a flat slot array and the record object is built once at the
 * end with a fixed shape: far cheaper than growing objects key by key.
 */
interface KeySpec {
  name: string;
  bytes: Uint8Array;
  /** Value slot for string members; -1 for objects. */
  slot: number;
  sub?: KeyTable;
  /** `resources`: an array of objects whose ARN members (slot RESOURCE_SLOT) are collected. */
  list?: boolean;
  /** For objects: presence flag, and the slots/flags a (re)definition resets (JSON: the last duplicate wins). */
  flag: number;
  clearFrom: number;
  clearTo: number;
  clearFlags: number;
}
/** Members by key length, so matching a key compares a handful of candidates at most. */
type KeyTable = (KeySpec[] | undefined)[];

// The fields the reader extracts are the ones record-fields.ts defines for a picked record.
const RECORD_SLOTS = RECORD_STRING_FIELDS;
const IDENTITY_SLOTS = IDENTITY_STRING_FIELDS;
const ISSUER_SLOTS = ISSUER_STRING_FIELDS;
const IDENTITY_BASE = RECORD_SLOTS.length;
const ISSUER_BASE = IDENTITY_BASE + IDENTITY_SLOTS.length;
const REQUEST_SLOTS = REQUEST_PARAMETER_FIELDS;
const REQUEST_BASE = ISSUER_BASE + ISSUER_SLOTS.length;
const RESOURCE_SLOT = REQUEST_BASE + REQUEST_SLOTS.length;
const SLOT_COUNT = RESOURCE_SLOT + 1;
const HAS_IDENTITY = 1;
const HAS_SESSION_CONTEXT = 2;
const HAS_ISSUER = 4;
const HAS_REQUEST_PARAMETERS = 8;

function keyTable(specs: Omit<KeySpec, 'bytes'>[]): KeyTable {
  const table: KeyTable = [];
  for (const spec of specs) {
    const bytes = Buffer.from(spec.name, 'latin1');
    (table[bytes.length] ??= []).push({ ...spec, bytes });
  }
  return table;
}
/** Dotted path of a decodable field, e.g. `userIdentity.sessionContext.sessionIssuer.arn`. */
export type CloudTrailFieldPath =
  | (typeof RECORD_SLOTS)[number]
  | `userIdentity.${(typeof IDENTITY_SLOTS)[number]}`
  | `userIdentity.sessionContext.sessionIssuer.${(typeof ISSUER_SLOTS)[number]}`
  | `requestParameters.${(typeof REQUEST_SLOTS)[number]}`
  | 'resources.ARN';

export const ALL_CLOUDTRAIL_FIELDS: readonly CloudTrailFieldPath[] = [
  ...RECORD_SLOTS,
  ...IDENTITY_SLOTS.map((f) => `userIdentity.${f}` as const),
  ...ISSUER_SLOTS.map((f) => `userIdentity.sessionContext.sessionIssuer.${f}` as const),
  ...REQUEST_SLOTS.map((f) => `requestParameters.${f}` as const),
  'resources.ARN',
];

/** Key tables decoding only `wanted` fields; the others are skipped like any unknown member. */
function recordKeyTable(wanted: ReadonlySet<string>): KeyTable {
  const strings = (names: readonly string[], base: number, prefix: string): Omit<KeySpec, 'bytes'>[] =>
    names
      .map((name, i) => ({ name, slot: base + i, flag: 0, clearFrom: 0, clearTo: 0, clearFlags: 0 }))
      .filter((spec) => wanted.has(prefix + spec.name));
  const issuer = keyTable(strings(ISSUER_SLOTS, ISSUER_BASE, 'userIdentity.sessionContext.sessionIssuer.'));
  const sessionContext = keyTable([
    { name: 'sessionIssuer', slot: -1, sub: issuer, flag: HAS_ISSUER, clearFrom: ISSUER_BASE, clearTo: REQUEST_BASE, clearFlags: HAS_ISSUER },
  ]);
  const identity = keyTable([
    ...strings(IDENTITY_SLOTS, IDENTITY_BASE, 'userIdentity.'),
    {
      name: 'sessionContext',
      slot: -1,
      sub: sessionContext,
      flag: HAS_SESSION_CONTEXT,
      clearFrom: ISSUER_BASE,
      clearTo: REQUEST_BASE,
      clearFlags: HAS_SESSION_CONTEXT | HAS_ISSUER,
    },
  ]);
  const requestParameters = keyTable(strings(REQUEST_SLOTS, REQUEST_BASE, 'requestParameters.'));
  const optional: Omit<KeySpec, 'bytes'>[] = [];
  if (REQUEST_SLOTS.some((f) => wanted.has(`requestParameters.${f}`))) {
    optional.push({
      name: 'requestParameters',
      slot: -1,
      sub: requestParameters,
      flag: HAS_REQUEST_PARAMETERS,
      clearFrom: REQUEST_BASE,
      clearTo: RESOURCE_SLOT,
      clearFlags: HAS_REQUEST_PARAMETERS,
    });
  }
  if (wanted.has('resources.ARN')) {
    const entry = keyTable([{ name: 'ARN', slot: RESOURCE_SLOT, flag: 0, clearFrom: 0, clearTo: 0, clearFlags: 0 }]);
    optional.push({ name: 'resources', slot: -1, sub: entry, list: true, flag: 0, clearFrom: 0, clearTo: 0, clearFlags: 0 });
  }
  return keyTable([
    ...optional,
    ...strings(RECORD_SLOTS, 0, ''),
    {
      name: 'userIdentity',
      slot: -1,
      sub: identity,
      flag: HAS_IDENTITY,
      clearFrom: IDENTITY_BASE,
      clearTo: REQUEST_BASE,
      clearFlags: HAS_IDENTITY | HAS_SESSION_CONTEXT | HAS_ISSUER,
    },
  ]);
}

const ALL_FIELDS_TABLE = recordKeyTable(new Set(ALL_CLOUDTRAIL_FIELDS));

/**
 * Node's Buffer has slice decoders that skip toString's argument handling
 * (measurably faster at ~15 short strings per record). Fall back to
 * toString where a runtime lacks them.
 */
interface SliceDecoders {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}
const hasSliceDecoders = typeof (Buffer.prototype as unknown as Partial<SliceDecoders>).latin1Slice === 'function';
function decodeUtf8(buf: Buffer, start: number, end: number): string {
  return hasSliceDecoders ? (buf as unknown as SliceDecoders).utf8Slice(start, end) : buf.toString('utf8', start, end);
}

const Phase = {
  start: 0,
  topObjectFirst: 1,
  topObjectNext: 2,
  arrayFirst: 3,
  arrayNext: 4,
  done: 5,
} as const;
type Phase = (typeof Phase)[keyof typeof Phase];

/** Initial size of the buffer that joins a partial record to the next chunk. */
const BRIDGE_BYTES = 16 << 10;
const EMPTY = Buffer.alloc(0);
/** Below this many buffered bytes a failed (incomplete) parse is retried on every chunk. */
const RETRY_EVERY_CHUNK_BELOW = 1 << 20;

export interface CloudTrailRecordReaderOptions {
  /** Names the input in errors (a file path). */
  source: string;
  onRecord: (record: CloudTrailRecordFields) => void;
  /**
   * Decode only these fields (others read as undefined). Every decoded string
   * costs an allocation, so a consumer that needs few fields says which.
   * Default: all fields of CloudTrailRecordFields.
   */
  fields?: readonly CloudTrailFieldPath[];
  /**
   * Hand every record in the same object, refilled: no allocation per record,
   * for a consumer that reads each record during onRecord and keeps nothing
   * of it but its strings.
   */
  reuse?: boolean;
}

interface ReusedRecord {
  record: CloudTrailRecordFields;
  identity: CloudTrailUserIdentity;
  context: NonNullable<CloudTrailUserIdentity['sessionContext']>;
  issuer: NonNullable<NonNullable<CloudTrailUserIdentity['sessionContext']>['sessionIssuer']>;
  params: CloudTrailRequestParameters;
  resources: { ARN: string }[];
}

function newReusedRecord(): ReusedRecord {
  const params: Record<string, undefined> = {};
  for (const f of REQUEST_SLOTS) params[f] = undefined;
  return {
    record: { eventTime: undefined, eventSource: undefined, eventName: undefined, eventID: undefined, awsRegion: undefined, recipientAccountId: undefined, errorCode: undefined, userAgent: undefined, sourceIPAddress: undefined, eventType: undefined, userIdentity: undefined, requestParameters: undefined, resources: undefined },
    identity: { type: undefined, arn: undefined, accountId: undefined, accessKeyId: undefined, principalId: undefined, userName: undefined, invokedBy: undefined, sessionContext: undefined },
    context: { sessionIssuer: undefined },
    issuer: { type: undefined, arn: undefined, userName: undefined },
    params,
    resources: [],
  };
}

export class CloudTrailRecordReader {
  private readonly source: string;
  private readonly onRecord: (record: CloudTrailRecordFields) => void;
  /** Unconsumed bytes plus chunks not yet parsed. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Retry threshold after an incomplete parse of a large tail (keeps huge records linear, not quadratic). */
  private retryAt = 0;
  private buf: Buffer = EMPTY;
  private len = 0;
  /** Absolute offset of buf[0] in the input. */
  private base = 0;
  /** Where in the top-level structure the next step starts. */
  private state: Phase = Phase.start;
  private wrapped = false;
  private sawRecords = false;
  private stack = new Uint8Array(64);
  private str: string | undefined = undefined;
  private readonly vals: (string | undefined)[] = new Array<string | undefined>(SLOT_COUNT).fill(undefined);
  private flags = 0;
  /** ARNs of the current record's `resources`, when it has that array. */
  private arns: string[] | undefined = undefined;
  private readonly recordKeys: KeyTable;
  private readonly reuse: boolean;
  private keyEscaped = false;
  private sawBom = false;
  /** Records emitted so far. */
  records = 0;
  /** Input bytes consumed so far (decompressed). */
  bytes = 0;

  constructor(options: CloudTrailRecordReaderOptions) {
    this.source = options.source;
    this.onRecord = options.onRecord;
    this.recordKeys = options.fields ? recordKeyTable(new Set(options.fields)) : ALL_FIELDS_TABLE;
    this.reuse = options.reuse ?? false;
  }

  /** Feeds the next chunk; emits every record it completes. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.bytes += chunk.length;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes < this.retryAt) return;
    this.parsePending();
  }

  /** Signals end of input; throws if the input ended inside the JSON or held no records container. */
  end(): void {
    if (this.pendingBytes > 0) this.parsePending();
    if (this.state === Phase.done) return;
    if (this.state === Phase.start && this.bytes === 0) {
      throw new CloudTrailParseError(this.source, 0, 'empty input (expected a CloudTrail log file or an array of records)');
    }
    const inArray = this.state === Phase.arrayFirst || this.state === Phase.arrayNext;
    const where = inArray
      ? `inside the records array after record ${this.records} (the incomplete part starts at byte ${this.base})`
      : this.state === Phase.start
        ? 'before any JSON value'
        : 'inside the top-level object';
    throw new CloudTrailParseError(this.source, this.bytes, `unexpected end of input ${where}; file truncated?`);
  }

  private parsePending(): void {
    const chunks = this.pending;
    const total = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    let rest: Buffer;
    if (chunks.length === 1) {
      rest = chunks[0]!;
    } else if (chunks.length === 2 && chunks[0]!.length < chunks[1]!.length) {
      // A partial record (the tail) and a new chunk: rather than copying the
      // whole chunk behind the tail, finish the straddling record in a small
      // bridge buffer, then parse the rest of the chunk in place.
      const tail = chunks[0]!;
      const next = chunks[1]!;
      let take = Math.min(next.length, Math.max(BRIDGE_BYTES, tail.length));
      for (;;) {
        const bridge = Buffer.concat([tail, next.subarray(0, take)]);
        const committed = this.run(bridge, tail.length);
        if (committed >= tail.length) {
          this.base += committed;
          rest = next.subarray(committed - tail.length);
          break;
        }
        if (take === next.length) {
          this.keepTail(bridge, committed);
          return;
        }
        take = Math.min(next.length, take * 4);
      }
    } else {
      rest = Buffer.concat(chunks, total);
    }
    this.keepTail(rest, this.run(rest, Infinity));
  }

  /** Parses buf from its start until a step ends at or beyond stopAt, the input runs out, or the JSON ends; returns the bytes consumed. */
  private run(buf: Buffer, stopAt: number): number {
    this.buf = buf;
    this.len = buf.length;
    let committed = 0;
    try {
      while (committed < stopAt) {
        committed = this.step(committed);
        if (this.state === Phase.done && this.finishDone(committed)) {
          committed = this.len;
          break;
        }
      }
    } catch (err) {
      if (err !== NEED_MORE) throw err;
    }
    return committed;
  }

  /** Keeps buf[committed..] for the next chunk (copied, so it does not pin a large chunk). */
  private keepTail(buf: Buffer, committed: number): void {
    this.base += committed;
    this.buf = EMPTY;
    this.len = 0;
    if (committed < buf.length) {
      const copy = Buffer.from(buf.subarray(committed));
      this.pending.push(copy);
      this.pendingBytes = copy.length;
      this.retryAt = copy.length < RETRY_EVERY_CHUNK_BELOW ? 0 : copy.length * 2;
    } else {
      this.retryAt = 0;
    }
  }

  /** After the JSON value: only whitespace may follow. Returns true once everything is consumed. */
  private finishDone(pos: number): boolean {
    const p = this.ws(pos);
    if (p < this.len) this.fail(p, `unexpected data after the end of the JSON value ('${this.charAt(p)}')`);
    return true;
  }

  /** Advances over one structural step (a record, a separator, a top-level member). */
  private step(pos: number): number {
    const buf = this.buf;
    switch (this.state) {
      case Phase.start: {
        let p = pos;
        if (!this.sawBom && this.base + p === 0 && buf[0] === 0xef) {
          this.need(p + 2);
          if (buf[1] === 0xbb && buf[2] === 0xbf) p += 3;
          this.sawBom = true;
        }
        p = this.wsNeed(p);
        const c = buf[p];
        if (c === LBRACKET) {
          this.state = Phase.arrayFirst;
          return p + 1;
        }
        if (c === LBRACE) {
          this.wrapped = true;
          this.state = Phase.topObjectFirst;
          return p + 1;
        }
        return this.fail(p, `expected '{' (a CloudTrail log file) or '[' (an array of records), found '${this.charAt(p)}'`);
      }
      case Phase.topObjectFirst: {
        const p = this.wsNeed(pos);
        if (buf[p] === RBRACE) return this.fail(p, 'the top-level object has no Records array (not a CloudTrail log file?)');
        return this.topMember(p);
      }
      case Phase.topObjectNext: {
        let p = this.wsNeed(pos);
        const c = buf[p];
        if (c === RBRACE) {
          if (!this.sawRecords) return this.fail(p, 'the top-level object has no Records array (not a CloudTrail log file?)');
          this.state = Phase.done;
          return p + 1;
        }
        if (c !== COMMA) return this.fail(p, `expected ',' or '}' in the top-level object, found '${this.charAt(p)}'`);
        p = this.wsNeed(p + 1);
        return this.topMember(p);
      }
      case Phase.arrayFirst: {
        const p = this.wsNeed(pos);
        if (buf[p] === RBRACKET) return this.afterArray(p + 1);
        return this.record(p);
      }
      case Phase.arrayNext: {
        let p = this.wsNeed(pos);
        const c = buf[p];
        if (c === RBRACKET) return this.afterArray(p + 1);
        if (c !== COMMA) {
          return this.fail(p, `expected ',' or ']' after record ${this.records}, found '${this.charAt(p)}'`);
        }
        p = this.wsNeed(p + 1);
        return this.record(p);
      }
      default:
        return pos;
    }
  }

  private afterArray(pos: number): number {
    this.state = this.wrapped ? Phase.topObjectNext : Phase.done;
    return pos;
  }

  private topMember(pos: number): number {
    const buf = this.buf;
    if (buf[pos] !== QUOTE) return this.fail(pos, `expected a key in the top-level object, found '${this.charAt(pos)}'`);
    const end = this.scanKey(pos + 1);
    const key = this.keyEscaped ? this.escapedString(pos, end) : buf.toString('utf8', pos + 1, end);
    let p = this.wsNeed(end + 1);
    // The key is the file's text, possibly a secret: quoted only when short and not secret-shaped.
    if (buf[p] !== COLON) return this.fail(p, `expected ':' after key ${quoteInMessage(key)}`);
    p = this.wsNeed(p + 1);
    if (key === 'Records') {
      if (this.sawRecords) return this.fail(p, 'duplicate Records key');
      if (buf[p] !== LBRACKET) return this.fail(p, 'Records is not an array');
      this.sawRecords = true;
      this.state = Phase.arrayFirst;
      return p + 1;
    }
    const next = this.skipValue(p);
    this.state = Phase.topObjectNext;
    return next;
  }

  /** Parses one record object and emits it. */
  private record(pos: number): number {
    if (this.buf[pos] !== LBRACE) {
      return this.fail(pos, `record ${this.records + 1} is not a JSON object (found '${this.charAt(pos)}')`);
    }
    const v = this.vals;
    for (let i = 0; i < SLOT_COUNT; i++) v[i] = undefined;
    this.flags = 0;
    this.arns = undefined;
    const next = this.object(pos, this.recordKeys);
    this.state = Phase.arrayNext;
    this.records++;
    this.onRecord(this.build());
    return next;
  }

  /** One record object refilled for every record (see the `reuse` option). */
  private reused: ReusedRecord | undefined;

  private build(): CloudTrailRecordFields {
    if (this.reuse) return this.refill();
    const v = this.vals;
    const flags = this.flags;
    let userIdentity: CloudTrailUserIdentity | undefined;
    if (flags & HAS_IDENTITY) {
      userIdentity = {
        type: v[IDENTITY_BASE],
        arn: v[IDENTITY_BASE + 1],
        accountId: v[IDENTITY_BASE + 2],
        accessKeyId: v[IDENTITY_BASE + 3],
        principalId: v[IDENTITY_BASE + 4],
        userName: v[IDENTITY_BASE + 5],
        invokedBy: v[IDENTITY_BASE + 6],
        sessionContext:
          flags & HAS_SESSION_CONTEXT
            ? {
                sessionIssuer:
                  flags & HAS_ISSUER
                    ? { type: v[ISSUER_BASE], arn: v[ISSUER_BASE + 1], userName: v[ISSUER_BASE + 2] }
                    : undefined,
              }
            : undefined,
      };
    }
    let requestParameters: CloudTrailRequestParameters | undefined;
    if (flags & HAS_REQUEST_PARAMETERS) {
      requestParameters = {};
      for (let i = 0; i < REQUEST_SLOTS.length; i++) {
        const value = v[REQUEST_BASE + i];
        if (value !== undefined) requestParameters[REQUEST_SLOTS[i]!] = value;
      }
    }
    return {
      eventTime: v[0],
      eventSource: v[1],
      eventName: v[2],
      eventID: v[3],
      awsRegion: v[4],
      recipientAccountId: v[5],
      errorCode: v[6],
      userAgent: v[7],
      sourceIPAddress: v[8],
      eventType: v[9],
      userIdentity,
      requestParameters,
      resources: this.arns?.map((ARN) => ({ ARN })),
    };
  }

  /** The reused record, its members overwritten in place: no allocation per record. */
  private refill(): CloudTrailRecordFields {
    const v = this.vals;
    const flags = this.flags;
    const r = (this.reused ??= newReusedRecord());
    const ui = r.identity;
    ui.type = v[IDENTITY_BASE];
    ui.arn = v[IDENTITY_BASE + 1];
    ui.accountId = v[IDENTITY_BASE + 2];
    ui.accessKeyId = v[IDENTITY_BASE + 3];
    ui.principalId = v[IDENTITY_BASE + 4];
    ui.userName = v[IDENTITY_BASE + 5];
    ui.invokedBy = v[IDENTITY_BASE + 6];
    ui.sessionContext = flags & HAS_SESSION_CONTEXT ? r.context : undefined;
    r.context.sessionIssuer = flags & HAS_ISSUER ? r.issuer : undefined;
    r.issuer.type = v[ISSUER_BASE];
    r.issuer.arn = v[ISSUER_BASE + 1];
    r.issuer.userName = v[ISSUER_BASE + 2];
    const params = r.params as Record<string, string | undefined>;
    for (let i = 0; i < REQUEST_SLOTS.length; i++) params[REQUEST_SLOTS[i]!] = v[REQUEST_BASE + i];
    const rec = r.record;
    rec.eventTime = v[0];
    rec.eventSource = v[1];
    rec.eventName = v[2];
    rec.eventID = v[3];
    rec.awsRegion = v[4];
    rec.recipientAccountId = v[5];
    rec.errorCode = v[6];
    rec.userAgent = v[7];
    rec.sourceIPAddress = v[8];
    rec.eventType = v[9];
    rec.userIdentity = flags & HAS_IDENTITY ? ui : undefined;
    rec.requestParameters = flags & HAS_REQUEST_PARAMETERS ? r.params : undefined;
    if (this.arns === undefined) rec.resources = undefined;
    else {
      const list = r.resources;
      list.length = 0;
      for (const ARN of this.arns) list.push({ ARN });
      rec.resources = list;
    }
    return rec;
  }

  /** Parses `resources` at pos: an array collects the ARN of each object entry; any other value is skipped. */
  private resourceList(pos: number, entry: KeyTable): number {
    const buf = this.buf;
    if (buf[pos] !== LBRACKET) {
      this.arns = undefined;
      return this.skipValue(pos);
    }
    const arns: string[] = [];
    this.arns = arns;
    let p = this.wsNeed(pos + 1);
    if (buf[p] === RBRACKET) return p + 1;
    for (;;) {
      if (buf[p] === LBRACE) {
        this.vals[RESOURCE_SLOT] = undefined;
        p = this.object(p, entry);
        const arn = this.vals[RESOURCE_SLOT];
        if (arn !== undefined) arns.push(arn);
      } else {
        p = this.skipValue(p);
      }
      p = this.wsNeed(p);
      const c = buf[p];
      if (c === COMMA) {
        p = this.wsNeed(p + 1);
        continue;
      }
      if (c === RBRACKET) return p + 1;
      return this.fail(p, `expected ',' or ']' in the resources of record ${this.records + 1}, found '${this.charAt(p)}'`);
    }
  }

  /** Parses an object at pos (which holds '{'), decoding the members in `keys` into value slots. */
  private object(pos: number, keys: KeyTable): number {
    const buf = this.buf;
    const v = this.vals;
    let p = this.wsNeed(pos + 1);
    if (buf[p] === RBRACE) return p + 1;
    for (;;) {
      if (buf[p] !== QUOTE) return this.fail(p, `expected a key or '}', found '${this.charAt(p)}'`);
      const keyEnd = this.scanKey(p + 1);
      const spec = this.matchKey(keys, p + 1, keyEnd);
      p = keyEnd + 1;
      if (buf[p] !== COLON) {
        p = this.wsNeed(p);
        if (buf[p] !== COLON) return this.fail(p, `expected ':' after a key, found '${this.charAt(p)}'`);
      }
      p = this.wsNeed(p + 1);
      if (spec === undefined) {
        p = this.skipValue(p);
      } else if (spec.slot >= 0) {
        p = this.stringOrSkip(p);
        v[spec.slot] = this.str;
      } else if (spec.list) {
        p = this.resourceList(p, spec.sub!);
      } else {
        for (let i = spec.clearFrom; i < spec.clearTo; i++) v[i] = undefined;
        this.flags &= ~spec.clearFlags;
        if (buf[p] === LBRACE) {
          p = this.object(p, spec.sub!);
          this.flags |= spec.flag;
        } else {
          p = this.skipValue(p);
        }
      }
      if (p >= this.len) throw NEED_MORE;
      let c = buf[p];
      if (c !== COMMA && c !== RBRACE) {
        p = this.wsNeed(p);
        c = buf[p];
      }
      if (c === COMMA) {
        p = this.wsNeed(p + 1);
        continue;
      }
      if (c === RBRACE) return p + 1;
      return this.fail(p, `expected ',' or '}' in record ${this.records + 1}, found '${this.charAt(p)}'`);
    }
  }

  private matchKey(keys: KeyTable, start: number, end: number): KeySpec | undefined {
    const candidates = keys[end - start];
    if (this.keyEscaped) {
      const key = this.escapedString(start - 1, end);
      for (const list of keys) for (const spec of list ?? []) if (spec.name === key) return spec;
      return undefined;
    }
    if (candidates === undefined) return undefined;
    const buf = this.buf;
    outer: for (let c = 0; c < candidates.length; c++) {
      const spec = candidates[c]!;
      const bytes = spec.bytes;
      for (let i = 0; i < bytes.length; i++) if (buf[start + i] !== bytes[i]) continue outer;
      return spec;
    }
    return undefined;
  }

  /** Index of the closing quote of a key starting at pos (after the opening quote). Sets keyEscaped. */
  private scanKey(pos: number): number {
    const buf = this.buf;
    const len = this.len;
    let escaped = false;
    let i = pos;
    for (;;) {
      if (i >= len) throw NEED_MORE;
      const b = buf[i]!;
      if (b === QUOTE) break;
      if (b === BACKSLASH) {
        escaped = true;
        i += 2;
      } else i++;
    }
    this.keyEscaped = escaped;
    return i;
  }

  /** Decodes a string value into this.str; null or any other value leaves it undefined. */
  private stringOrSkip(pos: number): number {
    const buf = this.buf;
    if (buf[pos] !== QUOTE) {
      this.str = undefined;
      return this.skipValue(pos);
    }
    // One pass finds the closing quote and notes escapes and non-ASCII bytes.
    const len = this.len;
    const start = pos + 1;
    let i = start;
    let high = 0;
    let escaped = false;
    for (;;) {
      if (i >= len) throw NEED_MORE;
      const b = buf[i]!;
      if (b === QUOTE) break;
      if (b === BACKSLASH) {
        escaped = true;
        i += 2;
      } else {
        high |= b;
        i++;
      }
    }
    if (escaped) {
      this.str = this.escapedString(pos, i);
    } else {
      // Plain ASCII (nearly every value): latin1 decoding is exact and cheapest.
      this.str =
        high >= 0x80
          ? decodeUtf8(buf, start, i)
          : hasSliceDecoders
            ? (buf as unknown as SliceDecoders).latin1Slice(start, i)
            : buf.toString('latin1', start, i);
    }
    return i + 1;
  }

  /** Skips any JSON value at pos. */
  private skipValue(pos: number): number {
    const c = this.buf[pos];
    if (c === QUOTE) return this.skipString(pos);
    if (c === LBRACE || c === LBRACKET) return this.skipNested(pos);
    return this.skipScalar(pos);
  }

  /** Skips a string starting at pos (the opening quote); returns the index after the closing quote. */
  private skipString(pos: number): number {
    const buf = this.buf;
    let i = pos + 1;
    for (;;) {
      const q = buf.indexOf(QUOTE, i);
      if (q < 0) throw NEED_MORE;
      // An escaped quote has an odd number of backslashes before it.
      let k = q - 1;
      while (buf[k] === BACKSLASH) k--;
      if (((q - 1 - k) & 1) === 0) return q + 1;
      i = q + 1;
    }
  }

  /** Skips an object or array by bracket matching (strings skipped whole, so brackets inside them don't count). */
  private skipNested(pos: number): number {
    const buf = this.buf;
    const len = this.len;
    let stack = this.stack;
    let depth = 0;
    let i = pos;
    for (;;) {
      if (i >= len) throw NEED_MORE;
      const b = buf[i]!;
      if (b === QUOTE) {
        i = this.skipString(i);
        continue;
      }
      if (b === LBRACE || b === LBRACKET) {
        if (depth === stack.length) {
          const grown = new Uint8Array(stack.length * 2);
          grown.set(stack);
          this.stack = stack = grown;
        }
        stack[depth++] = b === LBRACE ? RBRACE : RBRACKET;
      } else if (b === RBRACE || b === RBRACKET) {
        if (stack[--depth] !== b) return this.fail(i, `mismatched '${String.fromCharCode(b)}'`);
        if (depth === 0) return i + 1;
      }
      i++;
    }
  }

  /** Skips true/false/null or a number, checking it is one of those. */
  private skipScalar(pos: number): number {
    const buf = this.buf;
    const len = this.len;
    let i = pos;
    for (;;) {
      if (i >= len) throw NEED_MORE;
      const b = buf[i]!;
      if (b === COMMA || b === RBRACE || b === RBRACKET || b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) break;
      i++;
    }
    if (isJsonScalar(buf, pos, i)) return i;
    if (i === pos) return this.fail(pos, `expected a value, found '${this.charAt(pos)}'`);
    return this.fail(pos, `invalid value '${buf.toString('latin1', pos, Math.min(i, pos + 40))}'`);
  }

  private ws(pos: number): number {
    const buf = this.buf;
    const len = this.len;
    let p = pos;
    while (p < len) {
      const b = buf[p];
      if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) break;
      p++;
    }
    return p;
  }

  /** Skips whitespace and requires a byte after it (else waits for more input). */
  private wsNeed(pos: number): number {
    if (pos >= this.len) throw NEED_MORE;
    const b = this.buf[pos];
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return pos; // compact JSON: the common case
    const p = this.ws(pos);
    if (p >= this.len) throw NEED_MORE;
    return p;
  }

  private need(end: number): void {
    if (end >= this.len) throw NEED_MORE;
  }

  private charAt(pos: number): string {
    const b = this.buf[pos];
    if (b === undefined) return 'end of input';
    return b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `0x${b.toString(16).padStart(2, '0')}`;
  }

  /** A JSON string with escapes, from its opening quote at `open` to its closing quote at `close`. */
  private escapedString(open: number, close: number): string {
    try {
      return JSON.parse(this.buf.toString('utf8', open, close + 1)) as string;
    } catch {
      return this.fail(open, 'invalid escape sequence in a string');
    }
  }

  private fail(pos: number, problem: string): never {
    throw new CloudTrailParseError(this.source, this.base + pos, problem);
  }
}

const LITERALS = ['true', 'false', 'null'].map((l) => Buffer.from(l, 'latin1'));
const isDigit = (b: number | undefined) => b !== undefined && b >= 0x30 && b <= 0x39;

/** True when buf[start, end) is true, false, null or a JSON number (checked in place, no string made). */
function isJsonScalar(buf: Buffer, start: number, end: number): boolean {
  outer: for (const literal of LITERALS) {
    if (end - start !== literal.length) continue;
    for (let j = 0; j < literal.length; j++) if (buf[start + j] !== literal[j]) continue outer;
    return true;
  }
  let i = start;
  if (buf[i] === 0x2d /* - */) i++;
  if (buf[i] === 0x30 /* 0 */) i++;
  else if (isDigit(buf[i])) while (i < end && isDigit(buf[i])) i++;
  else return false;
  if (i < end && buf[i] === 0x2e /* . */) {
    i++;
    if (!isDigit(buf[i]) || i >= end) return false;
    while (i < end && isDigit(buf[i])) i++;
  }
  if (i < end && (buf[i] === 0x65 || buf[i] === 0x45) /* e E */) {
    i++;
    if (i < end && (buf[i] === 0x2b || buf[i] === 0x2d)) i++;
    if (i >= end || !isDigit(buf[i])) return false;
    while (i < end && isDigit(buf[i])) i++;
  }
  return i === end;
}
