/**
 * What one principal may do according to its identity-based policies: its own
 * inline and managed policies, its groups' policies, explicit denies and its
 * permissions boundary. (Resource policies and SCPs are out of scope here.)
 *
 * The sets are bitsets shared between principals that hold the same
 * combination of policies; per-action detail ("which statement grants it, on
 * which resources, under which condition") is derived on demand, so an
 * administrator's ~22,000 actions cost no objects until someone asks.
 */
import { ActionSet } from '../../catalog/action-set.js';
import { actionPatternMatches } from '../../catalog/action-pattern.js';
import type { AwsActionCatalog, CatalogAction } from '../../catalog/aws-actions.js';
import { RangeInterner } from '../../catalog/range-interner.js';
import { ACCESS_LEVELS, type AccessLevel, type AttachmentKind, type PolicyAttachment, type StoredPolicy } from '../../model/domain.js';
import type { ConditionBlock } from '../../model/policy.js';
import { PolicyExpander, type ExpandedPolicy, type ExpandedStatement } from './policy-expansion.js';

/** Which attachment a policy reached the principal through. */
export interface GrantSource {
  policyName: string;
  policyArn?: string;
  policyHash: string;
  kind: AttachmentKind;
  /** For group-inline / group-managed. */
  groupName?: string;
}

/** One statement that applies to an action, with its scope kept verbatim. */
export interface GrantingStatement extends GrantSource {
  statementIndex: number;
  sid?: string;
  effect: 'Allow' | 'Deny';
  /** The statement used NotAction: it applies to everything except what it lists. */
  notAction: boolean;
  resources?: string[];
  notResources?: string[];
  condition?: ConditionBlock;
  /** All resources (Resource `*`, or NotResource for Allow) and no Condition. */
  unrestricted: boolean;
}

/**
 * One statement of a policy the principal holds, with the attachment it came
 * through. Rules that judge many actions at once work on these (one set
 * operation per statement) instead of asking per action.
 */
export interface HeldStatement {
  source: GrantSource;
  /** Shared with every principal holding the policy: never mutate it or its sets. */
  statement: ExpandedStatement;
}

/** A policy a principal holds, with its Allow and Deny statements as held through that attachment. */
export interface HeldPolicyStatements {
  readonly policy: ExpandedPolicy;
  readonly allows: readonly HeldStatement[];
  readonly denies: readonly HeldStatement[];
}

/** Which side of the evaluation a held statement speaks for. */
export type HeldStatementRole = 'allow' | 'boundary' | 'deny';

/** A policy that could not be used: the principal's grant is incomplete or overstated because of it. */
export interface PolicyError extends GrantSource {
  message: string;
  statementIndex?: number;
}

/** An action name an Allow statement lists that the catalog does not know (new, misspelt, or another partition's). */
export interface UnknownActionGrant {
  action: string;
  grantedBy: GrantingStatement;
  /** An unconditional Deny on every resource covers the name. */
  fullyDenied: boolean;
  /** The permissions boundary has no Allow covering the name. */
  outsideBoundary: boolean;
}

export type AccessLevelCounts = Record<AccessLevel, number>;

export interface ServiceGrantSummary {
  service: string;
  title?: string;
  /** Catalog actions in the service: the denominator. */
  total: number;
  granted: number;
  unrestricted: number;
  byAccessLevel: AccessLevelCounts;
  unrestrictedByAccessLevel: AccessLevelCounts;
}

export interface ActionExplanation {
  action: CatalogAction;
  granted: boolean;
  unrestricted: boolean;
  /** Allow statements of the principal's own and group policies covering the action. */
  allows: GrantingStatement[];
  /** Allow statements of the permissions boundary covering the action (empty when there is no boundary). */
  boundaryAllows: GrantingStatement[];
  /** Deny statements covering the action, unconditional ones and scoped/conditioned ones alike. */
  denies: GrantingStatement[];
}

/** The policy-combination result, shared by every principal holding exactly those policies. Never mutated. */
interface GrantSets {
  actions: ActionSet;
  unrestricted: ActionSet;
  partiallyDenied: ActionSet;
  boundaryScoped: ActionSet;
  /** Per-service summary, computed once for every principal holding the same policies. */
  summary?: ServiceGrantSummary[];
}

interface HeldPolicy {
  source: GrantSource;
  policy: ExpandedPolicy;
  /** Its Allow and Deny statements with their source, made once: every holder of the attachment shares them. */
  allows: readonly HeldStatement[];
  denies: readonly HeldStatement[];
  /** Some Allow statement (not NotAction) names an action the catalog does not know. */
  namesUnknown: boolean;
  /** Those names as every holder with no boundary and no full Deny lists them (unknownNamesOf), made on first use. */
  unknownNames?: UnknownActionGrant[];
}

function heldPolicy(source: GrantSource, policy: ExpandedPolicy): HeldPolicy {
  const allows: HeldStatement[] = [];
  const denies: HeldStatement[] = [];
  for (const statement of policy.statements) (statement.effect === 'Deny' ? denies : allows).push({ source, statement });
  const namesUnknown = policy.statements.some((s) => s.effect === 'Allow' && !s.notAction && s.unknownPatterns.length > 0);
  return { source, policy, allows, denies, namesUnknown };
}

/** The names a held policy's Allow statements list that the catalog does not know, none of them denied or outside a boundary. */
function unknownNamesOf(held: HeldPolicy): UnknownActionGrant[] {
  if (!held.namesUnknown) return [];
  held.unknownNames ??= held.policy.statements
    .filter((s) => s.effect === 'Allow' && !s.notAction)
    .flatMap((s) => s.unknownPatterns.map((action) => ({ action, grantedBy: describeStatement(held.source, s), fullyDenied: false, outsideBoundary: false })));
  return held.unknownNames;
}

/** What makes two attachments the same source: identities attaching a policy the same way share one GrantSource. */
function sourceKey(a: PolicyAttachment): string {
  // JSON keeps names apart whatever characters they hold (names come from the account and may be hostile).
  return JSON.stringify([a.kind, a.groupName ?? null, a.policyName, a.policyArn ?? null, a.policyHash]);
}

function sourceOf(attachment: PolicyAttachment): GrantSource {
  const source: GrantSource = { policyName: attachment.policyName, policyHash: attachment.policyHash, kind: attachment.kind };
  if (attachment.policyArn !== undefined) source.policyArn = attachment.policyArn;
  if (attachment.groupName !== undefined) source.groupName = attachment.groupName;
  return source;
}

/**
 * The statement as grantsFor / boundaryGrantsFor / deniesFor report it,
 * described once per held statement and shared (never mutate it): held
 * statements are shared by every holder of an attachment, and the graph,
 * the rules and the planners ask for the same few statements per action
 * of every principal.
 */
export function describeHeldStatement(held: HeldStatement): GrantingStatement {
  let out = descriptions.get(held);
  if (!out) descriptions.set(held, (out = describeStatement(held.source, held.statement)));
  return out;
}
const descriptions = new WeakMap<HeldStatement, GrantingStatement>();

function describeStatement(source: GrantSource, s: ExpandedStatement): GrantingStatement {
  // Field by field rather than `{ ...source, … }`: V8 takes a slow path for a
  // spread followed by more properties (microseconds each), and rules
  // describe statements for every finding. Same fields, same order.
  const out: GrantingStatement = { policyName: source.policyName, policyHash: source.policyHash, kind: source.kind } as GrantingStatement;
  if (source.policyArn !== undefined) out.policyArn = source.policyArn;
  if (source.groupName !== undefined) out.groupName = source.groupName;
  out.statementIndex = s.index;
  out.effect = s.effect;
  out.notAction = s.notAction;
  out.unrestricted = s.unrestricted;
  if (s.sid !== undefined) out.sid = s.sid;
  if (s.resources) out.resources = s.resources;
  if (s.notResources) out.notResources = s.notResources;
  if (s.condition) out.condition = s.condition;
  return out;
}

/** Whether a statement's action clause covers a name the catalog does not know. */
function statementCoversName(s: ExpandedStatement, name: string): boolean {
  const listed = s.patterns.some((p) => actionPatternMatches(p, name));
  return s.notAction ? !listed : listed;
}

/** The tally layout below spells the levels out, so guard against ACCESS_LEVELS changing under it. */
const LEVELS = 5;
const NO_COUNTS = new Uint32Array(LEVELS);
if (ACCESS_LEVELS.join() !== 'List,Read,Write,Tagging,Permissions management') {
  throw new Error('effective-grant: ACCESS_LEVELS changed; update ServiceGrantSummary counting');
}

function levelCounts(c: Uint32Array, at: number): AccessLevelCounts {
  return { List: c[at] ?? 0, Read: c[at + 1] ?? 0, Write: c[at + 2] ?? 0, Tagging: c[at + 3] ?? 0, 'Permissions management': c[at + 4] ?? 0 };
}

function levelSum(c: Uint32Array, at: number): number {
  return (c[at] ?? 0) + (c[at + 1] ?? 0) + (c[at + 2] ?? 0) + (c[at + 3] ?? 0) + (c[at + 4] ?? 0);
}

/**
 * One service's summary from the tallies of granted (at `gAt`) and unrestricted (at `uAt`) actions. Module
 * functions rather than closures per service: tsx names each named closure when it is made, per grant and service.
 */
function serviceSummary(range: { service: string; title?: string; start: number; end: number }, g: Uint32Array, gAt: number, u: Uint32Array, uAt: number): ServiceGrantSummary {
  const summary: ServiceGrantSummary = {
    service: range.service,
    total: range.end - range.start,
    granted: levelSum(g, gAt),
    unrestricted: levelSum(u, uAt),
    byAccessLevel: levelCounts(g, gAt),
    unrestrictedByAccessLevel: levelCounts(u, uAt),
  };
  if (range.title) summary.title = range.title;
  return summary;
}

export class EffectiveGrant {
  /** Actions the principal is granted: allowed, not denied outright, inside the boundary. Do not mutate. */
  readonly actions: ActionSet;
  /** Granted on every resource with no condition, not narrowed by the boundary and with no partial deny. Do not mutate. */
  readonly unrestricted: ActionSet;
  /** Granted actions a resource-scoped, NotResource or conditioned Deny may refuse for some requests. Do not mutate. */
  readonly partiallyDenied: ActionSet;
  /** Granted actions that the permissions boundary allows only on some resources or under a condition. Do not mutate. */
  readonly boundaryScoped: ActionSet;
  private readonly sets: GrantSets;
  private unknown: UnknownActionGrant[] | undefined;

  constructor(
    readonly identityArn: string,
    private readonly catalog: AwsActionCatalog,
    private readonly held: readonly HeldPolicy[],
    private readonly boundaries: readonly HeldPolicy[],
    sets: GrantSets,
    /** Policies that could not be read or parsed, named. Non-empty means the grant is incomplete. */
    readonly errors: readonly PolicyError[],
    /** Service summaries shared by every grant of the calculator holding the same actions of a service. */
    private readonly summaries?: RangeInterner<ServiceGrantSummary>,
  ) {
    this.sets = sets;
    this.actions = sets.actions;
    this.unrestricted = sets.unrestricted;
    this.partiallyDenied = sets.partiallyDenied;
    this.boundaryScoped = sets.boundaryScoped;
  }

  get hasBoundary(): boolean {
    return this.boundaries.length > 0;
  }

  has(action: number): boolean {
    return this.actions.has(action);
  }

  isUnrestricted(action: number): boolean {
    return this.unrestricted.has(action);
  }

  /** Allow statements granting an action the principal effectively holds (empty if it does not hold it). */
  grantsFor(action: number): GrantingStatement[] {
    if (!this.actions.has(action)) return [];
    return this.allowsFrom(this.held, action);
  }

  /** Boundary Allow statements that let the action through (their scope narrows the grant). */
  boundaryGrantsFor(action: number): GrantingStatement[] {
    return this.allowsFrom(this.boundaries, action);
  }

  /** Deny statements covering an action, from any held policy including the boundary. */
  deniesFor(action: number): GrantingStatement[] {
    const out: GrantingStatement[] = [];
    for (const policies of [this.held, this.boundaries]) {
      for (const p of policies) for (const h of p.denies) if (h.statement.actions.has(action)) out.push(describeHeldStatement(h));
    }
    return out;
  }

  /**
   * The statements of one role, in the order grantsFor (`allow`: own and group
   * policies), boundaryGrantsFor (`boundary`: the boundary's Allows) and
   * deniesFor (`deny`: own, group and boundary policies) list them. A policy
   * attached twice appears twice, once per attachment. The statements' action
   * sets are as written: an `allow` statement may cover actions a Deny or the
   * boundary takes away, so intersect with `actions` where that matters.
   */
  statements(role: HeldStatementRole): HeldStatement[] {
    const policies = role === 'allow' ? this.held : role === 'boundary' ? this.boundaries : [...this.held, ...this.boundaries];
    const out: HeldStatement[] = [];
    // Shared objects: identities holding a policy through the same attachment get the same HeldStatement, so what rules derive from one is kept once.
    for (const p of policies) for (const h of role === 'deny' ? p.denies : p.allows) out.push(h);
    return out;
  }

  /**
   * The held policies behind `statements(role)`: own and group ones
   * (`allow`), or the boundary's (`boundary`); the `deny` statements are
   * those of both, in that order. Shared with every holder of the
   * attachment (never mutate them): work that depends only on a policy's
   * text, done once per policy, then serves each holder.
   */
  heldPolicies(role: 'allow' | 'boundary'): readonly HeldPolicyStatements[] {
    return role === 'allow' ? this.held : this.boundaries;
  }

  /**
   * The policies behind `statements('allow')` or `statements('boundary')`, in
   * the same order (a policy attached twice appears twice): work that depends
   * only on a policy's text is then done once per policy, not per statement.
   */
  policies(role: 'allow' | 'boundary'): ExpandedPolicy[] {
    return (role === 'allow' ? this.held : this.boundaries).map((p) => p.policy);
  }

  /** Scoped or conditioned Deny statements that overlap the granted actions. */
  get partialDenies(): GrantingStatement[] {
    const out: GrantingStatement[] = [];
    for (const { source, policy } of [...this.held, ...this.boundaries]) {
      for (const s of policy.statements) {
        if (s.effect === 'Deny' && !s.unrestricted && s.actions.intersects(this.actions)) out.push(describeStatement(source, s));
      }
    }
    return out;
  }

  /** Everything known about one action for this principal; accepts an index or an action name. */
  explain(action: number | string): ActionExplanation | undefined {
    const index = typeof action === 'number' ? action : this.catalog.indexOf(action);
    if (index === undefined || index < 0 || index >= this.catalog.size) return undefined;
    return {
      action: this.catalog.actionAt(index),
      granted: this.actions.has(index),
      unrestricted: this.unrestricted.has(index),
      allows: this.allowsFrom(this.held, index),
      boundaryAllows: this.boundaryGrantsFor(index),
      denies: this.deniesFor(index),
    };
  }

  /** Names from Allow statements that the catalog does not know, with the policy that lists them. */
  get unknownActions(): UnknownActionGrant[] {
    this.unknown ??= this.findUnknownActions();
    return this.unknown;
  }

  /** Per service with at least one granted action, sorted by service prefix (shared: do not mutate). */
  byService(): readonly ServiceGrantSummary[] {
    this.sets.summary ??= this.summarise();
    return this.sets.summary;
  }

  private allowsFrom(policies: readonly HeldPolicy[], action: number): GrantingStatement[] {
    const out: GrantingStatement[] = [];
    for (const p of policies) for (const h of p.allows) if (h.statement.actions.has(action)) out.push(describeHeldStatement(h));
    return out;
  }

  private findUnknownActions(): UnknownActionGrant[] {
    // Almost every policy names only catalog actions: nothing to look for then.
    if (!this.held.some((p) => p.namesUnknown)) return [];
    // With no boundary and no Deny on every resource, each policy's unknown names are its own business: listed once per attachment.
    if (!this.boundaries.length && !this.held.some((p) => p.policy.denyFull)) return this.held.flatMap(unknownNamesOf);
    const fullDenies = [...this.held, ...this.boundaries].flatMap(({ policy }) =>
      policy.statements.filter((s) => s.effect === 'Deny' && s.unrestricted),
    );
    const out: UnknownActionGrant[] = [];
    for (const { source, policy } of this.held) {
      for (const s of policy.statements) {
        if (s.effect !== 'Allow' || s.notAction) continue;
        for (const action of s.unknownPatterns) {
          out.push({
            action,
            grantedBy: describeStatement(source, s),
            fullyDenied: fullDenies.some((d) => statementCoversName(d, action)),
            outsideBoundary: !this.boundaries.every(({ policy: b }) =>
              b.statements.some((bs) => bs.effect === 'Allow' && statementCoversName(bs, action)),
            ),
          });
        }
      }
    }
    return out;
  }

  private summarise(): ServiceGrantSummary[] {
    const granted = this.catalog.tally(this.actions);
    // Commonly every grant is unrestricted, or none is: skip the second tally then.
    const unrestricted = this.unrestricted.equals(this.actions)
      ? granted
      : this.unrestricted.isEmpty()
        ? { services: [], counts: new Uint32Array(0) }
        : this.catalog.tally(this.unrestricted);
    const ranges = this.catalog.services();
    const out: ServiceGrantSummary[] = [];
    // Unrestricted is a subset of granted, so its services are a subsequence: walk both in step.
    let u = 0;
    const bits = [this.actions, this.unrestricted];
    granted.services.forEach((si, k) => {
      while (u < unrestricted.services.length && unrestricted.services[u]! < si) u++;
      const inU = unrestricted.services[u] === si;
      const uCounts = inU ? unrestricted.counts : NO_COUNTS;
      const uAt = inU ? u * LEVELS : 0;
      const range = ranges[si]!;
      // The summary of a service depends on the grant's bits in its range alone.
      out.push(
        this.summaries
          ? this.summaries.intern(si, range.start, range.end, bits, () => serviceSummary(range, granted.counts, k * LEVELS, uCounts, uAt))
          : serviceSummary(range, granted.counts, k * LEVELS, uCounts, uAt),
      );
    });
    return out; // catalog services are sorted by prefix
  }
}

/**
 * Dense sets a combination is worked out in, reused from one principal to the
 * next: only the compact results are kept. A dense set of the catalog is a
 * 2.8 KB buffer outside the heap, and making four of them per principal cost
 * more than the set operations themselves.
 */
class CombineBuffers {
  readonly actions: ActionSet;
  readonly unrestricted: ActionSet;
  readonly denyPartial: ActionSet;
  readonly boundaryUnrestricted: ActionSet;
  constructor(size: number) {
    this.actions = ActionSet.empty(size);
    this.unrestricted = ActionSet.empty(size);
    this.denyPartial = ActionSet.empty(size);
    this.boundaryUnrestricted = ActionSet.empty(size);
  }
}

/** Identity-policy evaluation over expanded policies: see the module comment. */
function combine(catalog: AwsActionCatalog, held: readonly HeldPolicy[], boundaries: readonly HeldPolicy[], buffers: CombineBuffers): GrantSets {
  const actions = buffers.actions.clear();
  const unrestricted = buffers.unrestricted.clear();
  for (const { policy } of held) {
    actions.unionWith(policy.compact.allow);
    unrestricted.unionWith(policy.compact.allowUnrestricted);
  }
  // An explicit Deny in any policy that applies, the boundary included, wins over every Allow.
  let denyPartial: ActionSet | undefined;
  for (const policies of [held, boundaries]) {
    for (const { policy } of policies) {
      if (policy.denyFull) {
        actions.subtractWith(policy.denyFull);
        unrestricted.subtractWith(policy.denyFull);
      }
      if (policy.denyPartial) (denyPartial ??= buffers.denyPartial.clear()).unionWith(policy.denyPartial);
    }
  }
  if (denyPartial) unrestricted.subtractWith(denyPartial);
  // Most principals have no boundary and no partial deny: share one empty set rather than allocate.
  let boundaryScoped = catalog.none();
  if (boundaries.length > 0) {
    const boundaryUnrestricted = buffers.boundaryUnrestricted.clear().unionWith(catalog.all());
    for (const { policy } of boundaries) {
      actions.intersectWith(policy.allow);
      boundaryUnrestricted.intersectWith(policy.allowUnrestricted);
    }
    unrestricted.intersectWith(boundaryUnrestricted);
    boundaryScoped = actions.subtract(boundaryUnrestricted).compacted();
  }
  const partiallyDenied = denyPartial ? denyPartial.intersectWith(actions).compactedCopy() : catalog.none();
  // Often everything granted is unrestricted: one set for both (neither is ever written to once made).
  // Kept for the whole audit, and most principals hold a few services: compact sets (see ActionSet.compacted).
  const kept = actions.compactedCopy();
  return {
    actions: kept,
    unrestricted: unrestricted.equals(actions) ? kept : unrestricted.compactedCopy(),
    partiallyDenied,
    boundaryScoped,
  };
}

/**
 * Computes effective grants, expanding each distinct policy once and sharing
 * the sets of principals that hold the same combination of policies.
 */
export class EffectiveGrantCalculator {
  readonly expander: PolicyExpander;
  private readonly combinations = new Map<string, GrantSets>();
  /** One summary per distinct service content across the calculator's grants (see range-interner.ts). */
  private readonly summaries = new RangeInterner<ServiceGrantSummary>();
  /** Attachments by sourceKey, with their statements: shared by every identity attaching a policy the same way. */
  private readonly heldPolicies = new Map<string, HeldPolicy>();
  private readonly buffers: CombineBuffers;

  constructor(
    readonly catalog: AwsActionCatalog,
    expander?: PolicyExpander,
  ) {
    if (expander && expander.catalog !== catalog) throw new Error('EffectiveGrantCalculator: expander uses another catalog');
    this.expander = expander ?? new PolicyExpander(catalog);
    this.buffers = new CombineBuffers(catalog.size);
  }

  /**
   * The grant of one principal from the policies attached to it (its own and
   * its groups'). `policies` maps content hash to document, as in a Snapshot.
   */
  compute(identityArn: string, attachments: readonly PolicyAttachment[], policies: ReadonlyMap<string, StoredPolicy>): EffectiveGrant {
    const held: HeldPolicy[] = [];
    const boundaries: HeldPolicy[] = [];
    const errors: PolicyError[] = [];
    for (const attachment of attachments) {
      const isBoundary = attachment.kind === 'permissions-boundary';
      const consequence = isBoundary
        ? 'the grant is shown without the boundary and may be overstated'
        : 'what it grants or denies is unknown';
      const stored = policies.get(attachment.policyHash);
      if (!stored) {
        errors.push({ ...sourceOf(attachment), message: `policy ${attachment.policyName}: document ${attachment.policyHash} is not in the snapshot; ${consequence}` });
        continue;
      }
      const expansion = this.expander.expand(attachment.policyHash, stored.document);
      if (!expansion.ok) {
        const where = expansion.error.statementIndex === undefined ? '' : ` (statement ${expansion.error.statementIndex})`;
        const error: PolicyError = {
          ...sourceOf(attachment),
          message: `policy ${attachment.policyName}${where}: ${expansion.error.message}; ${consequence}`,
        };
        if (expansion.error.statementIndex !== undefined) error.statementIndex = expansion.error.statementIndex;
        errors.push(error);
        continue;
      }
      const key = sourceKey(attachment);
      let entry = this.heldPolicies.get(key);
      // The source is made once per distinct attachment, not once per principal holding it.
      if (!entry || entry.policy !== expansion.policy) this.heldPolicies.set(key, (entry = heldPolicy(sourceOf(attachment), expansion.policy)));
      (isBoundary ? boundaries : held).push(entry);
    }
    if (boundaries.length > 1) {
      errors.push({
        ...boundaries[1]!.source,
        message: `${boundaries.length} permissions boundaries attached to ${identityArn} (IAM allows one); all are applied`,
      });
    }
    return new EffectiveGrant(identityArn, this.catalog, held, boundaries, this.setsFor(held, boundaries), errors, this.summaries);
  }

  /**
   * Grants for every identity: those named in `identityArns` (so an identity
   * with no policies still gets an empty grant) and every one with attachments.
   */
  computeAll(
    attachments: readonly PolicyAttachment[],
    policies: ReadonlyMap<string, StoredPolicy>,
    identityArns: Iterable<string> = [],
  ): Map<string, EffectiveGrant> {
    const byIdentity = new Map<string, PolicyAttachment[]>();
    for (const arn of identityArns) byIdentity.set(arn, []);
    for (const attachment of attachments) {
      let list = byIdentity.get(attachment.identityArn);
      if (!list) byIdentity.set(attachment.identityArn, (list = []));
      list.push(attachment);
    }
    const out = new Map<string, EffectiveGrant>();
    for (const [arn, list] of byIdentity) out.set(arn, this.compute(arn, list, policies));
    return out;
  }

  private setsFor(held: readonly HeldPolicy[], boundaries: readonly HeldPolicy[]): GrantSets {
    const key = `${held.map((h) => h.policy.hash).sort().join('\n')}\n#\n${boundaries.map((b) => b.policy.hash).sort().join('\n')}`;
    let sets = this.combinations.get(key);
    if (!sets) {
      sets = combine(this.catalog, held, boundaries, this.buffers);
      this.combinations.set(key, sets);
    }
    return sets;
  }
}

/** Convenience for one-off use: loads nothing, caches nothing beyond the call. */
export function computeEffectiveGrant(
  catalog: AwsActionCatalog,
  identityArn: string,
  attachments: readonly PolicyAttachment[],
  policies: ReadonlyMap<string, StoredPolicy>,
): EffectiveGrant {
  return new EffectiveGrantCalculator(catalog).compute(identityArn, attachments, policies);
}
