/**
 * Folds CloudTrail records into per-day usage aggregates: per file (a file
 * that fails half way is discarded, not half counted) or, in a worker thread,
 * a running total of many files (see ingest-worker.ts for how a failed file
 * is taken back out). Counters are typed-array rows (keyed-rows.ts), and
 * pack() turns a total into rows a worker posts to the main thread, which
 * merges them (mergePacked).
 *
 * Attribution rules:
 * - AssumedRole: the role (`sessionContext.sessionIssuer.arn`), not the
 *   session; without an issuer, the role ARN is derived from the session ARN
 *   (that loses a role path, which CloudTrail's session ARN does not carry).
 * - FederatedUser: the IAM user that minted the federation token
 *   (`sessionIssuer.arn`); its permissions bound what the session can do.
 * - IAMUser: `userIdentity.arn`. Root: `arn:aws:iam::<account>:root`.
 * - Anything else with an ARN (e.g. IdentityCenterUser) uses that ARN;
 *   without one (AWSAccount, SAMLUser, WebIdentityUser) the event is counted
 *   as unattributed.
 * - Calls made by AWS services (`invokedBy` set, identity type AWSService,
 *   event type AwsServiceEvent) are skipped and counted.
 * - Access-denied errors count as `denied`, not usage. Every other error
 *   (NoSuchEntity, ValidationException, throttling) counts as a call: the
 *   caller exercised, or tried to exercise, a permission it holds, and IAM
 *   authorisation happens before those errors arise.
 * - Events mapping to no IAM action are counted per (eventSource, eventName).
 */
import type { ResourceGapDay, ResourceUsageDay, UnmappedEvent, UsageDay } from '../../../model/domain.js';
import type { CloudTrailActionMapper } from '../../../catalog/cloudtrail-actions.js';
import type { CloudTrailRecordFields, CloudTrailUserIdentity } from './record-fields.js';
import type { CloudTrailFieldPath } from './record-reader.js';
import { redactSecrets } from '../../../util/secrets.js';
import { resourceArnsOf } from './resource-arns.js';
import { KeyedRows } from './keyed-rows.js';
import { AGENT_FIELDS, CELL_FIELDS, GAP_FIELDS, RESOURCE_FIELDS, type PackedCloudTrailAggregate } from './packed-aggregate.js';

/** CloudTrail delivered events for this account, region and UTC day. */
export interface CloudTrailDaySeen {
  accountId: string;
  region: string;
  day: string;
  events: number;
}

/** Distinct user agents an identity called with: raw material for telling agents and humans apart. */
export interface IdentityUserAgents {
  identityArn: string;
  userAgents: { userAgent: string; count: number; lastSeen: string }[];
  /** Events whose user agent was not kept because the identity already had the maximum number of distinct ones. */
  overflowEvents: number;
}

export interface CloudTrailStats {
  events: number;
  /** Events whose usage was recorded (count or denied). */
  attributed: number;
  skippedServiceEvents: number;
  /** Insight and other non-API records. */
  skippedNonApiEvents: number;
  denied: number;
  unmapped: number;
  /** Events with no identity keywarden can attribute (e.g. AWSAccount without ARN). */
  unattributed: number;
  /** Records missing eventTime/eventSource/eventName, or with an unreadable eventTime. */
  malformedRecords: number;
}

/** Distinct user agents kept per identity (the smallest, see admitSmallest); events from others count as overflow. */
export const MAX_USER_AGENTS_PER_IDENTITY = 50;

export function emptyCloudTrailStats(): CloudTrailStats {
  return { events: 0, attributed: 0, skippedServiceEvents: 0, skippedNonApiEvents: 0, denied: 0, unmapped: 0, unattributed: 0, malformedRecords: 0 };
}
/** Distinct resources kept per (identity, action) (the smallest ARNs); calls on others count as overflow. */
export const MAX_RESOURCES_PER_ACTION = 20;

/** The record fields `add` reads: the reader decodes only these (each decoded string is an allocation). */
export const AGGREGATE_FIELDS: readonly CloudTrailFieldPath[] = [
  'eventTime',
  'eventSource',
  'eventName',
  'awsRegion',
  'recipientAccountId',
  'errorCode',
  'userAgent',
  'eventType',
  'userIdentity.type',
  'userIdentity.arn',
  'userIdentity.accountId',
  'userIdentity.accessKeyId',
  'userIdentity.invokedBy',
  'userIdentity.sessionContext.sessionIssuer.arn',
  'resources.ARN',
  'requestParameters.bucketName',
  'requestParameters.key',
  'requestParameters.tableName',
  'requestParameters.functionName',
  'requestParameters.queueUrl',
  'requestParameters.topicArn',
  'requestParameters.keyId',
  'requestParameters.secretId',
  'requestParameters.instanceId',
];

const MAX_INTERNED_STRINGS = 100_000;

/** Cell keys pack (credential number, action id, day number) into one integer (see KeyedRows). */
const ACTION_SPACE = 1 << 15; // the AWS catalog has ~18k actions
const DAY_SPACE = 1 << 15; // days since 1970: until 2059
/** Cell keys also hold a credential number: below 2^53 with the two spaces above. */
const MAX_CREDENTIALS = 1 << 23;

/** Days since 1970-01-01 of a `YYYY-MM-DD…` string (already validated), computed without Date. */
function dayNumber(t: string): number {
  const y = (t.charCodeAt(0) - 48) * 1000 + (t.charCodeAt(1) - 48) * 100 + (t.charCodeAt(2) - 48) * 10 + (t.charCodeAt(3) - 48);
  const m = (t.charCodeAt(5) - 48) * 10 + (t.charCodeAt(6) - 48);
  const d = (t.charCodeAt(8) - 48) * 10 + (t.charCodeAt(9) - 48);
  // Civil-from-days inverse (H. Hinnant), valid for the proleptic Gregorian calendar.
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const DENIED_CODES = new Set(['AccessDenied', 'AccessDeniedException', 'Client.UnauthorizedOperation', 'UnauthorizedOperation']);

/** True when an errorCode means IAM (or an SCP/resource policy) refused the call. */
export function isAccessDenied(errorCode: string): boolean {
  return DENIED_CODES.has(errorCode) || errorCode.includes('AccessDenied') || errorCode.includes('UnauthorizedOperation');
}

/** `YYYY-MM-DDTHH:MM:SSZ`, CloudTrail's own format: 0 marks a digit. */
const CLOUDTRAIL_TIME = '0000-00-00T00:00:00Z';

function isCloudTrailTime(t: string): boolean {
  if (t.length !== 20) return false;
  for (let i = 0; i < 20; i++) {
    const c = t.charCodeAt(i);
    const want = CLOUDTRAIL_TIME.charCodeAt(i);
    if (want === 48 /* 0 */ ? c < 48 || c > 57 : c !== want) return false;
  }
  return isRealDate(t) && two(t, 11) < 24 && two(t, 14) < 60 && two(t, 17) < 61;
}

const two = (t: string, at: number) => (t.charCodeAt(at) - 48) * 10 + (t.charCodeAt(at + 1) - 48);

/** The `YYYY-MM-DD` prefix (digits already checked) names a day that exists. */
function isRealDate(t: string): boolean {
  const month = two(t, 5);
  const day = two(t, 8);
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  // Days 29-31 exist only in some months: let Date say (rare enough to be cheap).
  return day <= 28 || new Date(Date.UTC(Number(t.slice(0, 4)), month - 1, day)).getUTCDate() === day;
}

/** eventTime as an ISO string comparable as text, or undefined when unreadable. */
export function normaliseEventTime(eventTime: string): string | undefined {
  if (isCloudTrailTime(eventTime)) return eventTime;
  // Anything else (fractions, offsets) is rare: go through Date, and refuse what it cannot read
  // (Date itself accepts 2023-02-29 as March 1st).
  if (!/^\d{4}-\d{2}-\d{2}T/.test(eventTime) || !isRealDate(eventTime)) return undefined;
  const ms = Date.parse(eventTime);
  if (Number.isNaN(ms)) return undefined;
  // Second precision, like CloudTrail itself, so lexical order is time order.
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}

/** The IAM identity an event's permissions came from, or undefined. */
export function attributeIdentity(ui: CloudTrailUserIdentity, recipientAccountId: string | undefined): string | undefined {
  switch (ui.type) {
    case 'AssumedRole': {
      const issuer = ui.sessionContext?.sessionIssuer?.arn;
      if (issuer) return issuer;
      return ui.arn ? roleArnFromSessionArn(ui.arn) : undefined;
    }
    case 'FederatedUser':
      return ui.sessionContext?.sessionIssuer?.arn ?? ui.arn;
    case 'Root': {
      const account = ui.accountId ?? recipientAccountId;
      return account ? `arn:aws:iam::${account}:root` : undefined;
    }
    default:
      return ui.arn;
  }
}

/** `arn:aws:sts::1:assumed-role/Name/session` -> `arn:aws:iam::1:role/Name`. */
function roleArnFromSessionArn(arn: string): string | undefined {
  const m = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\//.exec(arn);
  return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : undefined;
}

/**
 * Everything aggregated for one identity that is few per identity (its
 * credentials, user agents and per-action resource tallies). Its counters
 * live in the aggregate's keyed rows: one map lookup per event finds this.
 */
interface IdentityUsage {
  identityArn: string;
  /** Credential ids seen for this identity (few, so found by scanning), and each one's number in the aggregate. */
  credentials: string[];
  credentialNumbers: number[];
  userAgents: Map<string, UserAgentTally>;
  /** The largest kept agent once the cap is reached (see admitSmallest). */
  userAgentCap: CapState;
  /** The agent of this identity's previous event: the next one is usually the same, found without hashing. */
  lastUserAgent: string | undefined;
  lastUserAgentTally: UserAgentTally | undefined;
  /** Events whose agent was not kept (the identity already had the maximum of distinct agents). */
  userAgentOverflow: number;
  /** Per action: the resources its successful calls named. */
  resources: Map<string, ActionResources>;
}

/** The resources one identity's calls of one action named: kept ARNs, each with its number (its days are rows). */
interface ActionResources {
  /** This tally's number: gap rows are keyed by it. */
  number: number;
  identityArn: string;
  action: string;
  arns: Map<string, number>;
  arnCap: CapState;
}

/** A capped map's largest key, remembered while the map is full and unchanged (undefined: not known yet). */
interface CapState {
  largest: string | undefined;
}

/**
 * Whether a new `key` may join a map capped at `max` keys. A full map keeps
 * its smallest keys, so which ones survive depends only on the keys seen,
 * never on their order: aggregates read in any order or on any number of
 * threads merge into exactly the same result. When `key` displaces the
 * largest kept key, that one is removed and its value returned (the caller
 * moves its counts to the overflow tally); a refused key returns REFUSED.
 * The largest key is remembered in `cap`: unique names (object prefixes,
 * KMS keys) are refused at the cost of one comparison, not a scan of the map.
 */
function admitSmallest<V>(map: Map<string, V>, cap: CapState, key: string, max: number): V | undefined | typeof REFUSED {
  if (map.size < max) return undefined;
  let largest = cap.largest;
  if (largest === undefined) {
    largest = '';
    for (const k of map.keys()) if (k > largest) largest = k;
    cap.largest = largest;
  }
  if (key > largest) return REFUSED;
  const evicted = map.get(largest)!;
  map.delete(largest);
  cap.largest = undefined;
  return evicted;
}
const REFUSED = Symbol('refused');

/** Calls seen from one user agent, and the latest of them (ISO, as eventTime is normalised). */
interface UserAgentTally {
  count: number;
  lastSeen: string;
}

// Row layouts (see keyed-rows.ts). Cells: count, denied, latest call as a clock (see clockOf).
const COUNT = 0;
const DENIED = 1;
const LAST_SEEN = 2;
// Resource days: calls, and the next row + 1 of the same resource (0: none), so an evicted resource's days are found.
const CALLS = 0;
const NEXT = 1;
// Gaps, per (tally, day): calls on no resource, and calls on resources over the cap.
const UNRESOLVED = 0;
const OVERFLOW = 1;

/**
 * A normalised eventTime as one number in the same order: minutes since
 * 1970, times 61 seconds (CloudTrail writes a leap second as :60).
 */
function clockOf(eventTime: string, day: number): number {
  return ((day * 24 + two(eventTime, 11)) * 60 + two(eventTime, 14)) * 61 + two(eventTime, 17);
}

/** A compact, mergeable per-file (or per-run) aggregate. */
export class CloudTrailAggregate {
  private readonly identities = new Map<string, IdentityUsage>();
  private readonly unmapped = new Map<string, UnmappedEvent>();
  private readonly days = new Map<string, CloudTrailDaySeen>();
  readonly stats: CloudTrailStats = emptyCloudTrailStats();
  /** Usage cells, kept resources and user agents held: a measure of this aggregate's size, to bound it. */
  entries = 0;
  /** Per (credential number, action id, day): see COUNT, DENIED, LAST_SEEN. */
  private readonly cells = new KeyedRows(3);
  /** Per (resource number, day): see CALLS, NEXT. */
  private readonly resourceDays = new KeyedRows(2);
  /** Per (tally number, day): see UNRESOLVED, OVERFLOW. */
  private readonly gaps = new KeyedRows(2);
  /** By credential number: its identity and id. */
  private readonly credentialIdentities: IdentityUsage[] = [];
  private readonly credentialIds: string[] = [];
  /** By resource number: the row + 1 of its latest day (0: none, or evicted). */
  private readonly resourceHeads: number[] = [];
  private readonly tallies: ActionResources[] = [];
  // Last-hit caches: consecutive events often share identity, key, action and day.
  private lastIdentity: IdentityUsage | undefined;
  private lastCellKey = -1;
  private lastCellRow = -1;
  private lastAction = '';
  private lastActionId = -1;
  private lastDay: CloudTrailDaySeen | undefined;
  private lastDayNumber = -1;
  private lastDayText = '';
  /** Shared string instances, so millions of equal ARNs/agents cost one string each. */
  private readonly strings: Map<string, string>;
  /** Action <-> small integer for cell keys (the action strings come memoised from the mapper). */
  private readonly actionIds = new Map<string, number>();
  private readonly actions: string[] = [];
  /** Day number -> `YYYY-MM-DD`, for the days written out. */
  private readonly dayTexts = new Map<number, string>();
  /** Accounts events were delivered for since beginFile() (or since this aggregate began). */
  private fileAccounts = new Set<string>();

  constructor(
    private readonly mapper: CloudTrailActionMapper,
    interned: Map<string, string> = new Map(),
  ) {
    this.strings = interned;
  }

  private actionId(action: string): number {
    if (action === this.lastAction) return this.lastActionId;
    let id = this.actionIds.get(action);
    if (id === undefined) {
      id = this.actions.length;
      if (id >= ACTION_SPACE) throw new Error(`more than ${ACTION_SPACE} distinct IAM actions in one aggregate`);
      const interned = this.intern(action);
      this.actionIds.set(interned, id);
      this.actions.push(interned);
    }
    this.lastAction = action;
    this.lastActionId = id;
    return id;
  }

  private dayText(day: number): string {
    let text = this.dayTexts.get(day);
    if (text === undefined) this.dayTexts.set(day, (text = new Date(day * 86_400_000).toISOString().slice(0, 10)));
    return text;
  }

  private clockText(clock: number): string {
    const second = clock % 61;
    const minutes = (clock - second) / 61;
    const minute = minutes % 60;
    const hours = (minutes - minute) / 60;
    const hour = hours % 24;
    const pad = (n: number) => (n < 10 ? '0' : '') + n;
    return `${this.dayText((hours - hour) / 24)}T${pad(hour)}:${pad(minute)}:${pad(second)}Z`;
  }

  /** Raw user agent -> the same with secrets redacted (agents repeat, so each is scanned once). */
  private readonly cleanAgents = new Map<string, string>();
  private lastRawAgent: string | undefined;
  private lastCleanAgent = '';

  /** A user agent is free text the caller chose: a token pasted into it must not be kept. */
  private cleanUserAgent(raw: string): string {
    // Consecutive events mostly come from one agent: a comparison instead of hashing a fresh 100-byte string.
    if (raw === this.lastRawAgent) return this.lastCleanAgent;
    let clean = this.cleanAgents.get(raw);
    if (clean === undefined) {
      if (this.cleanAgents.size >= 10_000) this.cleanAgents.clear();
      clean = this.intern(redactSecrets(raw));
      this.cleanAgents.set(raw, clean);
    }
    this.lastRawAgent = raw;
    this.lastCleanAgent = clean;
    return clean;
  }

  private intern(s: string): string {
    const known = this.strings.get(s);
    if (known !== undefined) return known;
    // A table shared by a whole run would keep every resource name ever seen (most are seen once): bounded, it
    // still shares the strings that matter (ARNs, agents, days), which recur constantly and are re-interned at once.
    if (this.strings.size >= MAX_INTERNED_STRINGS) this.strings.clear();
    this.strings.set(s, s);
    return s;
  }

  /**
   * Starts counting another file into this aggregate (a running total): from
   * here, accountsOfFile() names that file's accounts.
   */
  beginFile(): void {
    this.fileAccounts = new Set();
    // The day cache is where accounts are noticed: a hit would skip the file's first account.
    this.lastDay = undefined;
  }

  /** Accounts the events since beginFile() (or this aggregate's start) were delivered for. */
  accountsOfFile(): string[] {
    return [...this.fileAccounts];
  }

  /** Folds one record in. Keeps nothing of `rec` but its strings: the reader may refill the same object for the next. */
  add(rec: CloudTrailRecordFields): void {
    const stats = this.stats;
    stats.events++;
    const { eventSource, eventName } = rec;
    const eventTime = rec.eventTime === undefined ? undefined : normaliseEventTime(rec.eventTime);
    const dayNum = eventTime === undefined ? -1 : dayNumber(eventTime);
    // Days outside 1970..2059 are not CloudTrail's (it started in 2013): unreadable, like a missing time.
    if (eventTime === undefined || dayNum < 0 || dayNum >= DAY_SPACE || eventSource === undefined || eventName === undefined) {
      stats.malformedRecords++;
      return;
    }
    // Records come in time order, so the day string of the previous one is nearly always this one's.
    if (dayNum !== this.lastDayNumber) {
      this.lastDayNumber = dayNum;
      this.lastDayText = this.intern(eventTime.slice(0, 10));
    }
    const day = this.lastDayText;
    const ui = rec.userIdentity;
    this.seeDay(rec.recipientAccountId ?? ui?.accountId ?? '', rec.awsRegion ?? '', day);

    const eventType = rec.eventType;
    if (eventType === 'AwsServiceEvent') {
      stats.skippedServiceEvents++;
      return;
    }
    if (eventType === 'AwsCloudTrailInsight') {
      stats.skippedNonApiEvents++;
      return;
    }
    if (ui !== undefined && (ui.type === 'AWSService' || (ui.invokedBy !== undefined && ui.invokedBy !== ''))) {
      stats.skippedServiceEvents++;
      return;
    }

    const action = this.mapper.map(eventSource, eventName);
    const identityArn = ui === undefined ? undefined : attributeIdentity(ui, rec.recipientAccountId);
    const identity = identityArn === undefined ? undefined : this.identity(identityArn);
    if (identity !== undefined && rec.userAgent !== undefined) this.seeUserAgent(identity, this.cleanUserAgent(rec.userAgent), 1, eventTime);
    if (action === undefined) {
      stats.unmapped++;
      const key = eventSource + '\u0000' + eventName;
      const known = this.unmapped.get(key);
      if (known) known.count++;
      else this.unmapped.set(key, { eventSource: this.intern(eventSource), eventName: this.intern(eventName), count: 1 });
      return;
    }
    if (identity === undefined) {
      stats.unattributed++;
      return;
    }

    const key = this.cellKey(identity, ui?.accessKeyId ?? '', action, dayNum);
    const row = key === this.lastCellKey ? this.lastCellRow : this.cellRow(key);
    this.lastCellKey = key;
    this.lastCellRow = row;
    const cell = this.cells.values;
    const at = row * 3;
    const clock = clockOf(eventTime, dayNum);
    if (clock > cell[at + LAST_SEEN]!) cell[at + LAST_SEEN] = clock;
    stats.attributed++;
    if (rec.errorCode !== undefined && rec.errorCode !== '' && isAccessDenied(rec.errorCode)) {
      cell[at + DENIED] = cell[at + DENIED]! + 1;
      stats.denied++;
    } else {
      cell[at + COUNT] = cell[at + COUNT]! + 1;
      this.seeResources(identity, action, dayNum, resourceArnsOf(rec), 1);
    }
  }

  /** A cell's key: (credential number, action id, day), each in its own bits. */
  private cellKey(identity: IdentityUsage, credentialId: string, action: string, day: number): number {
    return (this.credentialNumber(identity, credentialId) * ACTION_SPACE + this.actionId(action)) * DAY_SPACE + day;
  }

  /** The row of a cell's key, added (and counted in entries) on first use. */
  private cellRow(key: number): number {
    const before = this.cells.size;
    const row = this.cells.row(key);
    if (this.cells.size > before) this.entries++;
    return row;
  }

  private credentialNumber(identity: IdentityUsage, credentialId: string): number {
    const credentials = identity.credentials;
    let i = 0;
    while (i < credentials.length && credentials[i] !== credentialId) i++;
    if (i === credentials.length) {
      const number = this.credentialIds.length;
      if (number >= MAX_CREDENTIALS) throw new Error(`more than ${MAX_CREDENTIALS} distinct credentials in one aggregate`);
      const id = this.intern(credentialId);
      credentials.push(id);
      identity.credentialNumbers.push(number);
      this.credentialIds.push(id);
      this.credentialIdentities.push(identity);
    }
    return identity.credentialNumbers[i]!;
  }

  /** Counts calls of an action on the given resources (none: not observable), within the per-action cap. */
  private seeResources(identity: IdentityUsage, action: string, day: number, arns: readonly string[], calls: number): void {
    const tally = this.resourceTally(identity, action);
    if (arns.length === 0) this.bumpGap(tally, day, UNRESOLVED, calls);
    for (let i = 0; i < arns.length; i++) this.seeResource(tally, arns[i]!, day, calls);
  }

  private resourceTally(identity: IdentityUsage, action: string): ActionResources {
    let tally = identity.resources.get(action);
    if (tally === undefined) {
      const interned = this.intern(action);
      tally = { number: this.tallies.length, identityArn: identity.identityArn, action: interned, arns: new Map(), arnCap: { largest: undefined } };
      this.tallies.push(tally);
      identity.resources.set(interned, tally);
    }
    return tally;
  }

  private seeResource(tally: ActionResources, arn: string, day: number, calls: number): void {
    let resource = tally.arns.get(arn);
    if (resource === undefined) {
      const evicted = admitSmallest(tally.arns, tally.arnCap, arn, MAX_RESOURCES_PER_ACTION);
      if (evicted === REFUSED) {
        this.bumpGap(tally, day, OVERFLOW, calls);
        return;
      }
      if (evicted !== undefined) this.evictResource(tally, evicted);
      resource = this.resourceHeads.push(0) - 1;
      tally.arns.set(this.intern(arn), resource);
      this.entries++;
    }
    const rows = this.resourceDays;
    const before = rows.size;
    const row = rows.row(resource * DAY_SPACE + day);
    if (rows.size > before) {
      rows.values[row * 2 + NEXT] = this.resourceHeads[resource]!;
      this.resourceHeads[resource] = row + 1;
    }
    rows.values[row * 2 + CALLS] = rows.values[row * 2 + CALLS]! + calls;
  }

  /** A resource displaced by a smaller one: its calls move to the tally's overflow, day by day. */
  private evictResource(tally: ActionResources, resource: number): void {
    const rows = this.resourceDays;
    for (let next = this.resourceHeads[resource]!; next !== 0; ) {
      const at = (next - 1) * 2;
      this.bumpGap(tally, rows.keys[next - 1]! % DAY_SPACE, OVERFLOW, rows.values[at + CALLS]!);
      rows.values[at + CALLS] = 0;
      next = rows.values[at + NEXT]!;
    }
    this.resourceHeads[resource] = 0;
  }

  private bumpGap(tally: ActionResources, day: number, column: typeof UNRESOLVED | typeof OVERFLOW, calls: number): void {
    const row = this.gaps.row(tally.number * DAY_SPACE + day);
    const values = this.gaps.values;
    values[row * 2 + column] = values[row * 2 + column]! + calls;
  }

  private identity(identityArn: string): IdentityUsage {
    const last = this.lastIdentity;
    if (last !== undefined && last.identityArn === identityArn) return last;
    let identity = this.identities.get(identityArn);
    if (identity === undefined) {
      const arn = this.intern(identityArn);
      identity = {
        identityArn: arn,
        credentials: [],
        credentialNumbers: [],
        userAgents: new Map(),
        userAgentCap: { largest: undefined },
        userAgentOverflow: 0,
        resources: new Map(),
        lastUserAgent: undefined,
        lastUserAgentTally: undefined,
      };
      this.identities.set(arn, identity);
    }
    this.lastIdentity = identity;
    return identity;
  }

  private seeDay(accountId: string, region: string, day: string): void {
    // Files hold one account and region and few days: the last cell almost always matches.
    const last = this.lastDay;
    if (last !== undefined && last.day === day && last.accountId === accountId && last.region === region) {
      last.events++;
      return;
    }
    const key = accountId + '\u0000' + region + '\u0000' + day;
    let seen = this.days.get(key);
    if (seen) seen.events++;
    else this.days.set(key, (seen = { accountId: this.intern(accountId), region: this.intern(region), day: this.intern(day), events: 1 }));
    this.lastDay = seen;
    this.fileAccounts.add(seen.accountId);
  }

  private seeUserAgent(identity: IdentityUsage, userAgent: string, count: number, lastSeen: string): void {
    if (identity.lastUserAgent === userAgent) {
      const tally = identity.lastUserAgentTally!;
      tally.count += count;
      if (lastSeen > tally.lastSeen) tally.lastSeen = lastSeen;
      return;
    }
    let tally = identity.userAgents.get(userAgent);
    if (tally !== undefined) {
      tally.count += count;
      if (lastSeen > tally.lastSeen) tally.lastSeen = lastSeen;
    } else {
      const evicted = admitSmallest(identity.userAgents, identity.userAgentCap, userAgent, MAX_USER_AGENTS_PER_IDENTITY);
      if (evicted === REFUSED) {
        identity.userAgentOverflow += count;
        return;
      }
      if (evicted !== undefined) identity.userAgentOverflow += evicted.count;
      identity.userAgents.set(this.intern(userAgent), (tally = { count, lastSeen }));
      this.entries++;
    }
    identity.lastUserAgent = userAgent;
    identity.lastUserAgentTally = tally;
  }

  /** This aggregate as rows (see packed-aggregate.ts), to post across threads or merge; the aggregate is left as it was. */
  pack(): PackedCloudTrailAggregate {
    const strings: string[] = [];
    const index = new Map<string, number>();
    const id = (s: string) => {
      let i = index.get(s);
      if (i === undefined) index.set(s, (i = strings.push(s) - 1));
      return i;
    };
    const cells = new Int32Array(this.cells.size * CELL_FIELDS);
    const cellCounts = this.cells.values.slice(0, this.cells.size * 3);
    this.forEachCell((identity, credentialId, action, day, row) => {
      const at = row * CELL_FIELDS;
      cells[at] = id(identity.identityArn);
      cells[at + 1] = id(credentialId);
      cells[at + 2] = id(action);
      cells[at + 3] = day;
    });
    const agents: number[] = [];
    const agentCounts: number[] = [];
    const overflowIds: number[] = [];
    const overflowCounts: number[] = [];
    for (const identity of this.identities.values()) {
      const who = id(identity.identityArn);
      for (const [agent, tally] of identity.userAgents) {
        agents.push(who, id(agent), id(tally.lastSeen));
        agentCounts.push(tally.count);
      }
      if (identity.userAgentOverflow > 0) {
        overflowIds.push(who);
        overflowCounts.push(identity.userAgentOverflow);
      }
    }
    const resources: number[] = [];
    const resourceCalls: number[] = [];
    this.forEachResourceDay((tally, arn, day, calls) => {
      resources.push(id(tally.identityArn), id(tally.action), id(arn), day);
      resourceCalls.push(calls);
    });
    const gaps = new Int32Array(this.gaps.size * GAP_FIELDS);
    this.forEachGap((tally, day, row) => {
      const at = row * GAP_FIELDS;
      gaps[at] = id(tally.identityArn);
      gaps[at + 1] = id(tally.action);
      gaps[at + 2] = day;
    });
    return {
      strings,
      cells,
      cellCounts,
      agents: Int32Array.from(agents),
      agentCounts: Float64Array.from(agentCounts),
      agentOverflowIdentities: Int32Array.from(overflowIds),
      agentOverflowCounts: Float64Array.from(overflowCounts),
      resources: Int32Array.from(resources),
      resourceCalls: Float64Array.from(resourceCalls),
      resourceGaps: gaps,
      resourceGapCalls: this.gaps.values.slice(0, this.gaps.size * 2),
      unmapped: [...this.unmapped.values()],
      days: [...this.days.values()],
      stats: this.stats,
    };
  }

  /** Adds a worker's total, as rows (see packed-aggregate.ts), into this one: the same result as if its events were added here. */
  mergePacked(p: PackedCloudTrailAggregate): void {
    const s = p.strings;
    const { cells, cellCounts, agents, agentCounts, resources, resourceCalls, resourceGaps, resourceGapCalls } = p;
    for (let k = 0, r = 0; k < cells.length; k += CELL_FIELDS, r += 3) {
      const row = this.cellRow(this.cellKey(this.identity(s[cells[k]!]!), s[cells[k + 1]!]!, s[cells[k + 2]!]!, cells[k + 3]!));
      const into = this.cells.values;
      const at = row * 3;
      into[at + COUNT] = into[at + COUNT]! + cellCounts[r + COUNT]!;
      into[at + DENIED] = into[at + DENIED]! + cellCounts[r + DENIED]!;
      if (cellCounts[r + LAST_SEEN]! > into[at + LAST_SEEN]!) into[at + LAST_SEEN] = cellCounts[r + LAST_SEEN]!;
    }
    for (let i = 0; i < p.agentOverflowIdentities.length; i++) {
      this.identity(s[p.agentOverflowIdentities[i]!]!).userAgentOverflow += p.agentOverflowCounts[i]!;
    }
    for (let k = 0, r = 0; k < agents.length; k += AGENT_FIELDS, r++) {
      this.seeUserAgent(this.identity(s[agents[k]!]!), s[agents[k + 1]!]!, agentCounts[r]!, s[agents[k + 2]!]!);
    }
    for (let k = 0, r = 0; k < resources.length; k += RESOURCE_FIELDS, r++) {
      const tally = this.resourceTally(this.identity(s[resources[k]!]!), s[resources[k + 1]!]!);
      this.seeResource(tally, s[resources[k + 2]!]!, resources[k + 3]!, resourceCalls[r]!);
    }
    for (let k = 0, r = 0; k < resourceGaps.length; k += GAP_FIELDS, r += 2) {
      const tally = this.resourceTally(this.identity(s[resourceGaps[k]!]!), s[resourceGaps[k + 1]!]!);
      const day = resourceGaps[k + 2]!;
      if (resourceGapCalls[r + UNRESOLVED]! > 0) this.bumpGap(tally, day, UNRESOLVED, resourceGapCalls[r + UNRESOLVED]!);
      if (resourceGapCalls[r + OVERFLOW]! > 0) this.bumpGap(tally, day, OVERFLOW, resourceGapCalls[r + OVERFLOW]!);
    }
    for (const event of p.unmapped) {
      const key = event.eventSource + '\u0000' + event.eventName;
      const mine = this.unmapped.get(key);
      if (mine) mine.count += event.count;
      else this.unmapped.set(key, { ...event });
    }
    for (const seen of p.days) {
      const key = seen.accountId + '\u0000' + seen.region + '\u0000' + seen.day;
      const mine = this.days.get(key);
      if (mine) mine.events += seen.events;
      else this.days.set(key, { ...seen });
    }
    for (const k of Object.keys(this.stats) as (keyof CloudTrailStats)[]) this.stats[k] += p.stats[k];
  }

  /** Adds another aggregate (e.g. one completed file) into this one. */
  merge(other: CloudTrailAggregate): void {
    this.mergePacked(other.pack());
  }

  private forEachCell(visit: (identity: IdentityUsage, credentialId: string, action: string, day: number, row: number) => void): void {
    const { keys, size } = this.cells;
    for (let row = 0; row < size; row++) {
      const key = keys[row]!;
      const day = key % DAY_SPACE;
      const rest = (key - day) / DAY_SPACE;
      const action = rest % ACTION_SPACE;
      const credential = (rest - action) / ACTION_SPACE;
      visit(this.credentialIdentities[credential]!, this.credentialIds[credential]!, this.actions[action]!, day, row);
    }
  }

  /** Every kept resource's calls per day (evicted resources' days are in the gaps). */
  private forEachResourceDay(visit: (tally: ActionResources, arn: string, day: number, calls: number) => void): void {
    const { keys, values } = this.resourceDays;
    for (const tally of this.tallies) {
      for (const [arn, resource] of tally.arns) {
        for (let next = this.resourceHeads[resource]!; next !== 0; next = values[(next - 1) * 2 + NEXT]!) {
          visit(tally, arn, keys[next - 1]! % DAY_SPACE, values[(next - 1) * 2 + CALLS]!);
        }
      }
    }
  }

  private forEachGap(visit: (tally: ActionResources, day: number, row: number) => void): void {
    const { keys, size } = this.gaps;
    for (let row = 0; row < size; row++) {
      const key = keys[row]!;
      const day = key % DAY_SPACE;
      visit(this.tallies[(key - day) / DAY_SPACE]!, day, row);
    }
  }

  usageDays(): UsageDay[] {
    const rows: UsageDay[] = [];
    const values = this.cells.values;
    this.forEachCell((identity, credentialId, action, day, row) => {
      rows.push({
        identityArn: identity.identityArn,
        credentialId,
        action,
        day: this.dayText(day),
        count: values[row * 3 + COUNT]!,
        denied: values[row * 3 + DENIED]!,
        lastSeen: this.clockText(values[row * 3 + LAST_SEEN]!),
      });
    });
    return rows.sort(
      (a, b) =>
        cmp(a.identityArn, b.identityArn) || cmp(a.day, b.day) || cmp(a.action, b.action) || cmp(a.credentialId, b.credentialId),
    );
  }

  /** Resource rows and gap rows, sorted like usageDays. */
  resourceUsage(): { days: ResourceUsageDay[]; gaps: ResourceGapDay[] } {
    const days: ResourceUsageDay[] = [];
    this.forEachResourceDay(({ identityArn, action }, resourceArn, day, calls) => {
      days.push({ identityArn, action, day: this.dayText(day), resourceArn, calls });
    });
    const gaps: ResourceGapDay[] = [];
    const values = this.gaps.values;
    this.forEachGap(({ identityArn, action }, day, row) => {
      gaps.push({ identityArn, action, day: this.dayText(day), unresolved: values[row * 2 + UNRESOLVED]!, overflow: values[row * 2 + OVERFLOW]! });
    });
    const order = (a: { identityArn: string; action: string; day: string }, b: typeof a) =>
      cmp(a.identityArn, b.identityArn) || cmp(a.action, b.action) || cmp(a.day, b.day);
    days.sort((a, b) => order(a, b) || cmp(a.resourceArn, b.resourceArn));
    gaps.sort(order);
    return { days, gaps };
  }

  unmappedEvents(): UnmappedEvent[] {
    return [...this.unmapped.values()].sort((a, b) => b.count - a.count || cmp(a.eventSource, b.eventSource) || cmp(a.eventName, b.eventName));
  }

  daysSeen(): CloudTrailDaySeen[] {
    return [...this.days.values()].sort((a, b) => cmp(a.accountId, b.accountId) || cmp(a.region, b.region) || cmp(a.day, b.day));
  }

  identityUserAgents(): IdentityUserAgents[] {
    return [...this.identities.values()]
      .filter((identity) => identity.userAgents.size > 0 || identity.userAgentOverflow > 0)
      .map((identity) => ({
        identityArn: identity.identityArn,
        userAgents: [...identity.userAgents.entries()]
          .map(([userAgent, tally]) => ({ userAgent, count: tally.count, lastSeen: tally.lastSeen }))
          .sort((a, b) => b.count - a.count || cmp(a.userAgent, b.userAgent)),
        overflowEvents: identity.userAgentOverflow,
      }))
      .sort((a, b) => cmp(a.identityArn, b.identityArn));
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
