/**
 * Folds CloudTrail records into per-day usage aggregates: per file (a file
 * that fails half way is discarded, not half counted) or, in a worker thread,
 * a running total of many files (see ingest-worker.ts for how a failed file
 * is taken back out). Plain data, so a worker's total can be posted to the
 * main thread and merged there.
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

/** Cell keys pack (action id, day number) into a small integer (V8 Smi, below 2^30). */
const ACTION_SPACE = 1 << 15; // the AWS catalog has ~18k actions
const DAY_SPACE = 1 << 15; // days since 1970: until 2059
const cellKey = (action: number, day: number) => action * DAY_SPACE + day;

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
 * Everything aggregated for one identity. Keeping it together means one map
 * lookup per event finds both its usage cells and its user-agent tally.
 */
export interface IdentityUsage {
  identityArn: string;
  /** Credential ids seen for this identity (few, so found by scanning), and per credential its cells. */
  credentials: string[];
  /** Per credential (same index): cellKey(action id, day number) -> usage. Small-integer keys: no per-event key strings. */
  cells: Map<number, UsageDay>[];
  userAgents: Map<string, UserAgentTally>;
  /** The largest kept agent once the cap is reached (see admitSmallest). */
  userAgentCap: CapState;
  /** The agent of this identity's previous event: the next one is usually the same, found without hashing. */
  lastUserAgent: string | undefined;
  lastUserAgentTally: UserAgentTally | undefined;
  /** Events whose agent was not kept (the identity already had the maximum of distinct agents). */
  userAgentOverflow: number;
  /** Per action: the resources its successful calls named, per day. */
  resources: Map<string, ActionResources>;
}

/** Day -> calls, per resource, and the calls with no kept resource. */
export interface ActionResources {
  arns: Map<string, Map<string, number>>;
  arnCap: CapState;
  unresolved: Map<string, number>;
  overflow: Map<string, number>;
}

const bump = (days: Map<string, number>, day: string, calls: number) => days.set(day, (days.get(day) ?? 0) + calls);

/** A capped map's largest key, remembered while the map is full and unchanged (undefined: not known yet). */
interface CapState {
  largest: string | undefined;
}

/**
 * Whether a new `key` may join a map capped at `max` keys. A full map keeps
 * its smallest keys, so which ones survive depends only on the keys seen,
 * never on their order: aggregates read in any order or on any number of
 * threads merge into exactly the same result. When `key` displaces the
 * largest kept key, that one is removed and returned (the caller moves its
 * counts to the overflow tally); a refused key returns REFUSED. The largest
 * key is remembered in `cap`: unique names (object prefixes, KMS keys) are
 * refused at the cost of one comparison, not a scan of the map.
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

/** The plain-data part of an aggregate (structured-cloneable, e.g. posted back from a worker thread). */
export interface CloudTrailAggregateData {
  identities: Map<string, IdentityUsage>;
  unmapped: Map<string, UnmappedEvent>;
  days: Map<string, CloudTrailDaySeen>;
  stats: CloudTrailStats;
}

/** A compact, mergeable per-file (or per-run) aggregate. */
export class CloudTrailAggregate implements CloudTrailAggregateData {
  readonly identities = new Map<string, IdentityUsage>();
  readonly unmapped = new Map<string, UnmappedEvent>();
  readonly days = new Map<string, CloudTrailDaySeen>();
  readonly stats: CloudTrailStats = emptyCloudTrailStats();
  /** Usage cells, kept resources and user agents held: a measure of this aggregate's size, to bound it. */
  entries = 0;
  // Last-hit caches: consecutive events often share identity, key, action and day.
  private lastIdentity: IdentityUsage | undefined;
  private lastCell: UsageDay | undefined;
  private lastDay: CloudTrailDaySeen | undefined;
  private lastDayNumber = -1;
  private lastDayText = '';
  /** Shared string instances, so millions of equal ARNs/agents cost one string each. */
  private readonly strings: Map<string, string>;
  /** Action -> small integer for cell keys (the action strings come memoised from the mapper). */
  private readonly actionIds = new Map<string, number>();
  /** Accounts events were delivered for since beginFile() (or since this aggregate began). */
  private fileAccounts = new Set<string>();

  constructor(
    private readonly mapper: CloudTrailActionMapper,
    interned: Map<string, string> = new Map(),
  ) {
    this.strings = interned;
  }

  private actionId(action: string): number {
    let id = this.actionIds.get(action);
    if (id === undefined) {
      id = this.actionIds.size;
      if (id >= ACTION_SPACE) throw new Error(`more than ${ACTION_SPACE} distinct IAM actions in one aggregate`);
      this.actionIds.set(this.intern(action), id);
    }
    return id;
  }

  /** Raw user agent -> the same with secrets redacted (agents repeat, so each is scanned once). */
  private readonly cleanAgents = new Map<string, string>();

  /** A user agent is free text the caller chose: a token pasted into it must not be kept. */
  private cleanUserAgent(raw: string): string {
    let clean = this.cleanAgents.get(raw);
    if (clean === undefined) {
      if (this.cleanAgents.size >= 10_000) this.cleanAgents.clear();
      clean = this.intern(redactSecrets(raw));
      this.cleanAgents.set(raw, clean);
    }
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

    const credentialId = ui?.accessKeyId ?? '';
    let cell = this.lastCell;
    if (
      cell === undefined ||
      cell.day !== day ||
      cell.action !== action ||
      cell.credentialId !== credentialId ||
      cell.identityArn !== identity.identityArn
    ) {
      cell = this.cell(identity, credentialId, action, day, dayNum, eventTime);
      this.lastCell = cell;
    }
    if (eventTime > cell.lastSeen) cell.lastSeen = eventTime;
    stats.attributed++;
    if (rec.errorCode !== undefined && rec.errorCode !== '' && isAccessDenied(rec.errorCode)) {
      cell.denied++;
      stats.denied++;
    } else {
      cell.count++;
      this.seeResources(identity, cell.action, cell.day, resourceArnsOf(rec), 1);
    }
  }

  /** Counts calls of an action on the given resources (none: not observable), within the per-action cap. */
  private seeResources(identity: IdentityUsage, action: string, day: string, arns: readonly string[], calls: number): void {
    const tally = this.resourceTally(identity, action);
    if (arns.length === 0) bump(tally.unresolved, day, calls);
    for (let i = 0; i < arns.length; i++) this.seeResource(tally, arns[i]!, day, calls);
  }

  private resourceTally(identity: IdentityUsage, action: string): ActionResources {
    let tally = identity.resources.get(action);
    if (tally === undefined) {
      tally = { arns: new Map(), arnCap: { largest: undefined }, unresolved: new Map(), overflow: new Map() };
      identity.resources.set(action, tally);
    }
    return tally;
  }

  private seeResource(tally: ActionResources, arn: string, day: string, calls: number): void {
    let days = tally.arns.get(arn);
    if (days === undefined) {
      const evicted = admitSmallest(tally.arns, tally.arnCap, arn, MAX_RESOURCES_PER_ACTION);
      if (evicted === REFUSED) {
        bump(tally.overflow, day, calls);
        return;
      }
      if (evicted !== undefined) for (const [d, c] of evicted) bump(tally.overflow, d, c);
      tally.arns.set(this.intern(arn), (days = new Map()));
      this.entries++;
    }
    bump(days, day, calls);
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
        cells: [],
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

  /** The usage cell for a key, created (with interned strings) on first use. */
  private cell(identity: IdentityUsage, credentialId: string, action: string, day: string, dayNum: number, eventTime: string): UsageDay {
    const credentials = identity.credentials;
    let credential = 0;
    while (credential < credentials.length && credentials[credential] !== credentialId) credential++;
    if (credential === credentials.length) {
      credentials.push(this.intern(credentialId));
      identity.cells.push(new Map());
    }
    const cells = identity.cells[credential]!;
    const key = cellKey(this.actionId(action), dayNum);
    let cell = cells.get(key);
    if (cell === undefined) {
      cell = {
        identityArn: identity.identityArn,
        credentialId: credentials[credential]!,
        action: this.intern(action),
        day: this.intern(day),
        count: 0,
        denied: 0,
        lastSeen: eventTime,
      };
      cells.set(key, cell);
      this.entries++;
    }
    return cell;
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

  /** Adds a worker's total, as rows (see packed-aggregate.ts), into this one: the same result as merge() of the aggregate packed. */
  mergePacked(p: PackedCloudTrailAggregate): void {
    const s = p.strings;
    const { cells, cellCounts, agents, agentCounts, resources, resourceCalls, resourceGaps, resourceGapCalls } = p;
    for (let k = 0, r = 0; k < cells.length; k += CELL_FIELDS, r += 2) {
      const day = s[cells[k + 3]!]!;
      const lastSeen = s[cells[k + 4]!]!;
      const into = this.cell(this.identity(s[cells[k]!]!), s[cells[k + 1]!]!, s[cells[k + 2]!]!, day, dayNumber(day), lastSeen);
      into.count += cellCounts[r]!;
      into.denied += cellCounts[r + 1]!;
      if (lastSeen > into.lastSeen) into.lastSeen = lastSeen;
    }
    for (let i = 0; i < p.agentOverflowIdentities.length; i++) {
      this.identity(s[p.agentOverflowIdentities[i]!]!).userAgentOverflow += p.agentOverflowCounts[i]!;
    }
    for (let k = 0, r = 0; k < agents.length; k += AGENT_FIELDS, r++) {
      this.seeUserAgent(this.identity(s[agents[k]!]!), s[agents[k + 1]!]!, agentCounts[r]!, s[agents[k + 2]!]!);
    }
    for (let k = 0, r = 0; k < resources.length; k += RESOURCE_FIELDS, r++) {
      const tally = this.resourceTally(this.identity(s[resources[k]!]!), s[resources[k + 1]!]!);
      this.seeResource(tally, s[resources[k + 2]!]!, s[resources[k + 3]!]!, resourceCalls[r]!);
    }
    for (let k = 0, r = 0; k < resourceGaps.length; k += GAP_FIELDS, r++) {
      const tally = this.resourceTally(this.identity(s[resourceGaps[k]!]!), s[resourceGaps[k + 1]!]!);
      bump(resourceGaps[k + 3] === 1 ? tally.overflow : tally.unresolved, s[resourceGaps[k + 2]!]!, resourceGapCalls[r]!);
    }
    this.mergeTallies(p.unmapped, p.days, p.stats);
  }

  /** Adds another aggregate (e.g. one completed file) into this one. */
  merge(other: CloudTrailAggregateData): void {
    for (const theirs of other.identities.values()) {
      const mine = this.identity(theirs.identityArn);
      for (const cells of theirs.cells) for (const cell of cells.values()) {
        const into = this.cell(mine, cell.credentialId, cell.action, cell.day, dayNumber(cell.day), cell.lastSeen);
        into.count += cell.count;
        into.denied += cell.denied;
        if (cell.lastSeen > into.lastSeen) into.lastSeen = cell.lastSeen;
      }
      mine.userAgentOverflow += theirs.userAgentOverflow;
      for (const [userAgent, tally] of theirs.userAgents) this.seeUserAgent(mine, userAgent, tally.count, tally.lastSeen);
      for (const [action, tally] of theirs.resources ?? []) {
        const into = this.resourceTally(mine, action);
        for (const [arn, days] of tally.arns) for (const [day, calls] of days) this.seeResource(into, arn, day, calls);
        for (const [day, calls] of tally.unresolved) bump(into.unresolved, day, calls);
        for (const [day, calls] of tally.overflow) bump(into.overflow, day, calls);
      }
    }
    this.mergeTallies(other.unmapped.values(), other.days.values(), other.stats);
  }

  private mergeTallies(unmapped: Iterable<UnmappedEvent>, days: Iterable<CloudTrailDaySeen>, stats: CloudTrailStats): void {
    for (const event of unmapped) {
      const key = event.eventSource + '\u0000' + event.eventName;
      const mine = this.unmapped.get(key);
      if (mine) mine.count += event.count;
      else this.unmapped.set(key, { ...event });
    }
    for (const seen of days) {
      const key = seen.accountId + '\u0000' + seen.region + '\u0000' + seen.day;
      const mine = this.days.get(key);
      if (mine) mine.events += seen.events;
      else this.days.set(key, { ...seen });
    }
    for (const k of Object.keys(this.stats) as (keyof CloudTrailStats)[]) this.stats[k] += stats[k];
  }

  /** Just the data, for posting across threads. */
  data(): CloudTrailAggregateData {
    return { identities: this.identities, unmapped: this.unmapped, days: this.days, stats: this.stats };
  }

  usageDays(): UsageDay[] {
    const rows: UsageDay[] = [];
    for (const identity of this.identities.values()) for (const cells of identity.cells) rows.push(...cells.values());
    return rows.sort(
      (a, b) =>
        cmp(a.identityArn, b.identityArn) || cmp(a.day, b.day) || cmp(a.action, b.action) || cmp(a.credentialId, b.credentialId),
    );
  }

  /** Resource rows and gap rows, sorted like usageDays. */
  resourceUsage(): { days: ResourceUsageDay[]; gaps: ResourceGapDay[] } {
    const days: ResourceUsageDay[] = [];
    const gaps: ResourceGapDay[] = [];
    for (const identity of this.identities.values()) {
      const identityArn = identity.identityArn;
      for (const [action, tally] of identity.resources) {
        for (const [resourceArn, byDay] of tally.arns) for (const [day, calls] of byDay) days.push({ identityArn, action, day, resourceArn, calls });
        const { unresolved, overflow } = tally;
        for (const [day, calls] of unresolved) gaps.push({ identityArn, action, day, unresolved: calls, overflow: overflow.get(day) ?? 0 });
        for (const [day, calls] of overflow) if (!unresolved.has(day)) gaps.push({ identityArn, action, day, unresolved: 0, overflow: calls });
      }
    }
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
