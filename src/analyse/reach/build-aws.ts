/**
 * The AWS edges of the reach graph, from identities, their effective grants
 * and role trust policies (pure: no store, no network).
 *
 * - `assume-role`: the target role's trust policy admits the caller (its
 *   ARN, a session of it, its account, or `*`; decidable conditions such
 *   as aws:PrincipalArn decided, the rest kept on the edge) and no Deny
 *   of the trust policy refuses it; and the caller's own policies allow
 *   sts:AssumeRole on the role, except in the same account when the trust
 *   policy names the caller itself (then IAM needs no identity Allow). An
 *   unconditioned identity Deny on the role always blocks.
 * - `pass-role`: a PassRole escalation method (iam:PassRole on the role and
 *   the compute service's create actions) to a role of its account whose
 *   trust admits that service.
 * - `escalation:<method>`: taking over another user (access key, console
 *   password), rewriting a role's trust, or using the role of an existing
 *   compute resource; methods that grant the principal itself more
 *   (attach/put policies, policy versions, groups) lead to the account's
 *   `any-permission` capability node.
 */
import type { EffectiveGrant } from '../aws/effective-grant.js';
import type { AwsActionCatalog } from '../../catalog/aws-actions.js';
import type { Identity } from '../../model/domain.js';
import { globMatches, printable } from '../../config/patterns.js';
import { actionPatternMatches } from '../../catalog/action-pattern.js';
import { evaluateForCaller, type CallerFacts } from './conditions.js';
import { findEscalations, grantText, methodReasons, type EscalationAccess, type FoundEscalation } from './escalation.js';
import { ReachGraph, type TargetList } from './graph.js';
import { accessOn, actionAccess, ResourceList, sameAccessOnEach, type ActionAccess } from './resource-access.js';
import type { EscalationMethod } from '../../catalog/escalation-methods.js';
import { principalText, trustedServices, trustStatements, trustText, type TrustPrincipal, type TrustStatement } from './trust-policy.js';
import { NO_TIMER, type PhaseTimer } from '../../util/phase-clock.js';

export interface ReachPrincipal {
  identity: Identity;
  grant: EffectiveGrant;
}

export interface AwsReach {
  graph: ReachGraph;
  /** Escalation methods per identity ARN (only identities holding some). */
  escalations: Map<string, FoundEscalation[]>;
}

const ASSUME_ROLE = 'sts:AssumeRole';

/** The capability node an account's self-escalation leads to. */
export function anyPermissionNode(accountId: string): string {
  return `capability:aws:${accountId}:any-permission`;
}

/** Shared empty list: most hops carry no condition, and the graph holds hundreds of thousands of them. */
const NONE: string[] = [];

const callerFactsCache = new WeakMap<Identity, CallerFacts>();
function callerFacts(i: Identity): CallerFacts {
  let facts = callerFactsCache.get(i);
  if (!facts) callerFactsCache.set(i, (facts = { arn: i.arn, accountId: i.accountId, ...(i.kind === 'user' ? { userName: i.name } : {}) }));
  return facts;
}

export interface BuildOptions {
  /** Times the build ('graph build') and, later, every search over the graph ('graph closure'). */
  timer?: PhaseTimer;
  /**
   * Edges to every user or role of an account as one group each (default);
   * false adds them one by one, the plain form tests compare groups with.
   */
  groups?: boolean;
}

export function buildAwsReach(principals: readonly ReachPrincipal[], catalog: AwsActionCatalog, options: BuildOptions = {}): AwsReach {
  const timer = options.timer ?? NO_TIMER;
  return timer.measure('graph build', () => build(principals, catalog, new ReachGraph(timer), options.groups ?? true));
}

function build(principals: readonly ReachPrincipal[], catalog: AwsActionCatalog, graph: ReachGraph, groups: boolean): AwsReach {
  const aws = principals.filter((p) => p.identity.provider === 'aws' && p.identity.kind !== 'root');
  for (const { identity } of aws) graph.addNode({ id: identity.arn, kind: 'identity', provider: 'aws', accountId: identity.accountId, label: identity.name });

  const byArn = new Map(aws.map((p) => [p.identity.arn.toLowerCase(), p]));
  const byAccount = new Map<string, ReachPrincipal[]>();
  for (const p of aws) {
    let list = byAccount.get(p.identity.accountId);
    if (!list) byAccount.set(p.identity.accountId, (list = []));
    list.push(p);
  }
  const roleByName = new Map(aws.filter((p) => p.identity.kind === 'role').map((p) => [`${p.identity.accountId}/${p.identity.name.toLowerCase()}`, p]));
  const trusts = new Map(aws.filter((p) => p.identity.kind === 'role').map((p) => [p.identity.arn, trustStatements(p.identity.trustPolicy)]));

  // Identity-side sts:AssumeRole, worked out once per caller.
  const assumeAccess = new Map<string, ActionAccess | undefined>();
  const assumeOf = (p: ReachPrincipal) => {
    if (!assumeAccess.has(p.identity.arn)) assumeAccess.set(p.identity.arn, actionAccess(p.grant, catalog, ASSUME_ROLE, p.identity));
    return assumeAccess.get(p.identity.arn);
  };
  // Callers an account-root or `*` trust may admit: only those whose own grant holds sts:AssumeRole at all.
  const assumeIndex = catalog.indexOf(ASSUME_ROLE);
  const holders = aws.filter((p) => assumeIndex !== undefined && p.grant.has(assumeIndex));
  const holdersByAccount = new Map<string, { caller: ReachPrincipal; named: boolean; extra: string[] }[]>();
  for (const caller of holders) {
    let list = holdersByAccount.get(caller.identity.accountId);
    if (!list) holdersByAccount.set(caller.identity.accountId, (list = []));
    list.push({ caller, named: false, extra: NONE });
  }
  const anyHolder = holders.map((caller) => ({ caller, named: false, extra: NONE }));

  const candidates = (principal: TrustPrincipal): { caller: ReachPrincipal; named: boolean; extra: string[] }[] => {
    switch (principal.kind) {
      case 'arn': {
        const p = byArn.get(principal.arn.toLowerCase());
        return p ? [{ caller: p, named: true, extra: NONE }] : [];
      }
      case 'session': {
        const p = roleByName.get(`${principal.accountId}/${principal.roleName.toLowerCase()}`);
        return p ? [{ caller: p, named: true, extra: [`the session is named ${printable(principal.session)}`] }] : [];
      }
      case 'account':
        return holdersByAccount.get(principal.accountId) ?? [];
      case 'any':
        return anyHolder;
      default:
        return [];
    }
  };

  for (const target of aws) {
    if (target.identity.kind !== 'role') continue;
    const statements = trusts.get(target.identity.arn) ?? [];
    const denies = statements.filter((s) => s.effect === 'Deny');
    for (const s of statements) {
      if (s.effect !== 'Allow' || s.notPrincipal) continue;
      for (const principal of s.principals) {
        const admits = trustText(target.identity.arn, s, principalText(principal));
        for (const { caller, named, extra } of candidates(principal)) {
          if (caller === target) continue;
          addAssumeEdge(graph, { target, statement: s, admits, named, extra, denies }, caller, assumeOf(caller));
        }
      }
    }
  }

  const services = new Map([...trusts].map(([arn, statements]) => [arn, trustedServices(statements)]));
  const escalations = new Map<string, FoundEscalation[]>();
  // The users, and the roles, of each account, as shared target lists for edge groups, made when first needed.
  const everyone = new Map<string, Everyone>();
  const everyoneOf = (accountId: string, kind: 'user' | 'role'): Everyone | undefined => {
    if (!groups) return undefined;
    const key = `${kind}\u0000${accountId}`;
    let list = everyone.get(key);
    if (!list) {
      const arns = (byAccount.get(accountId) ?? []).filter((o) => o.identity.kind === kind).map((o) => o.identity.arn);
      everyone.set(key, (list = { targets: graph.targetList(arns), resources: new ResourceList(arns) }));
    }
    return list;
  };
  // The roles of each account whose trust admits a compute service, in account order, with that trust in words, once per (account, service).
  // Keyed by account, then service: both strings are the identity's and the method's own, so a look-up hashes no new key.
  const trusting = new Map<string, Map<string, TrustingRole[]>>();
  const rolesTrusting = (accountId: string, service: string) => {
    let ofAccount = trusting.get(accountId);
    if (!ofAccount) trusting.set(accountId, (ofAccount = new Map()));
    let list = ofAccount.get(service);
    if (!list) {
      list = [];
      for (const role of byAccount.get(accountId) ?? []) {
        const trusted = role.identity.kind === 'role' ? services.get(role.identity.arn)?.get(service) : undefined;
        if (trusted) list.push({ role, trusts: trustText(role.identity.arn, trusted, `service ${service}`) });
      }
      ofAccount.set(service, list);
    }
    return list;
  };
  // Each account's any-permission node, added when its first identity can grant itself more.
  const anyPermission = new Map<string, string>();
  const anyPermissionOf = (accountId: string) => {
    let id = anyPermission.get(accountId);
    if (id === undefined) {
      anyPermission.set(accountId, (id = anyPermissionNode(accountId)));
      graph.addNode({ id, kind: 'capability', provider: 'aws', accountId, label: `any permission in account ${accountId} (grants itself more)` });
    }
    return id;
  };
  const lists: AccountLists = { everyoneOf, rolesTrusting, anyPermissionOf };
  for (const p of aws) {
    const found = findEscalations(p.identity, p.grant, catalog);
    if (!found.length) continue;
    escalations.set(p.identity.arn, found.map(({ method, grants, conditions }) => ({ method, grants, conditions })));
    for (const f of found) addEscalationEdges(graph, p, f, byAccount.get(p.identity.accountId) ?? [], lists);
  }
  return { graph, escalations };
}

function trustDenies(denies: readonly TrustStatement[], caller: Identity): { blocked: boolean; conditions: string[] } {
  const conditions: string[] = [];
  for (const d of denies) {
    const applies = d.notPrincipal
      ? !d.principals.some((p) => principalIs(p, caller))
      : d.principals.some((p) => principalIs(p, caller) || (p.kind === 'account' && p.accountId === caller.accountId) || p.kind === 'any');
    if (!applies) continue;
    const verdict = evaluateForCaller(d.condition, callerFacts(caller));
    if (!verdict.admits) continue;
    if (!verdict.pending.length) return { blocked: true, conditions: [] };
    conditions.push(`not (${verdict.pending.join(' and ')}) (trust policy Deny statement ${d.index})`);
  }
  return { blocked: false, conditions };
}

function principalIs(p: TrustPrincipal, caller: Identity): boolean {
  if (p.kind === 'arn') return p.arn.toLowerCase() === caller.arn.toLowerCase();
  if (p.kind === 'session') return caller.kind === 'role' && p.accountId === caller.accountId && p.roleName.toLowerCase() === caller.name.toLowerCase();
  return false;
}

/** One trust-policy principal entry of a role, with what is shared by every caller it admits. */
interface TrustEntry {
  target: ReachPrincipal;
  statement: TrustStatement;
  /** The trust statement in words (once per entry, not per caller). */
  admits: string;
  /** The entry names the caller itself (ARN or session), not its account or `*`. */
  named: boolean;
  extra: string[];
  denies: readonly TrustStatement[];
}

const NO_DENY = { blocked: false, conditions: [] as string[] };

function addAssumeEdge(graph: ReachGraph, entry: TrustEntry, caller: ReachPrincipal, access: ActionAccess | undefined): void {
  const { target, statement: s, admits, named, extra, denies } = entry;
  const roleArn = target.identity.arn;
  const verdict = evaluateForCaller(s.condition, callerFacts(caller.identity));
  if (!verdict.admits) return;
  const denied = denies.length ? trustDenies(denies, caller.identity) : NO_DENY;
  if (denied.blocked) return;
  const grantedBy = [admits];
  let conditions = extra.length || verdict.pending.length || denied.conditions.length ? [...extra, ...verdict.pending, ...denied.conditions] : NONE;
  const identityGrant = access && accessOn(access, roleArn);
  if (identityGrant) {
    for (const st of identityGrant.allowedBy) grantedBy.push(grantText(st, ASSUME_ROLE));
    if (identityGrant.conditions.length) conditions = [...conditions, ...identityGrant.conditions];
  } else {
    // IAM needs no identity Allow in the role's own account when the trust names the caller itself, but a Deny still refuses.
    const sameAccount = caller.identity.accountId === target.identity.accountId;
    if (!(named && sameAccount)) return;
    if (identityDenies(caller, roleArn)) return;
    grantedBy.push(`same account and the trust policy names ${printable(caller.identity.arn)} itself: no identity-policy Allow needed`);
  }
  graph.connect(caller.identity.arn, roleArn, 'assume-role', grantedBy, conditions);
}

/** An unconditioned identity-policy Deny of sts:AssumeRole covering the role. */
function identityDenies(caller: ReachPrincipal, roleArn: string): boolean {
  return caller.grant.statements('deny').some(({ statement }) => {
    if (statement.condition) return false;
    const covers = statement.patterns.some((p) => actionPatternMatches(p, ASSUME_ROLE));
    if (statement.notAction ? covers : !covers) return false;
    if (statement.notResources) return !statement.notResources.some((r) => globMatches(r, roleArn));
    return (statement.resources ?? []).some((r) => globMatches(r, roleArn));
  });
}

/** The users, or the roles, of an account: a shared target list for edge groups, and the same as resources to match. */
interface Everyone {
  targets: TargetList;
  resources: ResourceList;
}

/** What escalation edges lead to in an account, each made once per account (and kind, or service). */
interface AccountLists {
  everyoneOf: (accountId: string, kind: 'user' | 'role') => Everyone | undefined;
  rolesTrusting: (accountId: string, service: string) => readonly TrustingRole[];
  anyPermissionOf: (accountId: string) => string;
}

/** A role whose trust admits a compute service, and that trust in words (shared by every edge passing the role). */
interface TrustingRole {
  role: ReachPrincipal;
  trusts: string;
}

/** Escalation edges are made once per (identity, method, target): the graph need not look for an earlier one. */
const UNIQUE = { unique: true };

/** `escalation:<method>`, one string per method: the graph looks each edge's kind up by it. */
function kindOf(method: EscalationMethod): string {
  let kind = kinds.get(method);
  if (kind === undefined) kinds.set(method, (kind = `escalation:${method.id}`));
  return kind;
}
const kinds = new WeakMap<EscalationMethod, string>();

function addEscalationEdges(
  graph: ReachGraph,
  p: ReachPrincipal,
  f: EscalationAccess,
  sameAccount: readonly ReachPrincipal[],
  { everyoneOf, rolesTrusting, anyPermissionOf }: AccountLists,
): void {
  const { method } = f;
  const from = p.identity.arn;
  const kind = kindOf(method);
  const why = methodReasons(f);
  const service = method.passRole ?? method.existingRole;
  if (service) {
    let existingConditions: string[] | undefined;
    for (const { role, trusts } of rolesTrusting(p.identity.accountId, service)) {
      if (role === p) continue;
      if (method.passRole) {
        const pass = f.passRole && accessOn(f.passRole, role.identity.arn);
        if (!pass) continue;
        graph.connect(from, role.identity.arn, 'pass-role', [...why, trusts], [...f.conditions, ...pass.conditions]);
      } else {
        const conditions = (existingConditions ??= [...f.conditions, `an existing ${service} resource runs with this role`]);
        graph.connect(from, role.identity.arn, kind, [...why, trusts], conditions, UNIQUE);
      }
    }
    return;
  }
  const becomesOther = method.othersOnly || method.id === 'iam:UpdateAssumeRolePolicy';
  if (becomesOther) {
    const targetKind = method.target === 'user' ? 'user' : 'role';
    // Allowed on every user (or role) of the account alike, or on none: one group over the account's shared list (or nothing), not an edge per target.
    const everyone = everyoneOf(p.identity.accountId, targetKind);
    const same = everyone && sameAccessOnEach(f.targetAccess, everyone.resources);
    if (same === null) return;
    if (same) {
      const conditions = same.conditions.length ? [...f.conditions, ...same.conditions] : f.conditions;
      graph.addEdgeGroup({ from, targets: everyone!.targets, kind, grantedBy: why, conditions });
      return;
    }
    // Grants are shared between targets (one statement allows the method on many), so are their condition lists.
    const conditionsOf = new Map<readonly string[], string[]>();
    for (const other of sameAccount) {
      if (other === p || other.identity.kind !== targetKind) continue;
      const g = accessOn(f.targetAccess, other.identity.arn);
      if (!g) continue;
      let conditions = conditionsOf.get(g.conditions);
      if (!conditions) conditionsOf.set(g.conditions, (conditions = g.conditions.length ? [...f.conditions, ...g.conditions] : f.conditions));
      graph.connect(from, other.identity.arn, kind, why, conditions, UNIQUE);
    }
    return;
  }
  graph.connect(from, anyPermissionOf(p.identity.accountId), kind, why, f.conditions, UNIQUE);
}
