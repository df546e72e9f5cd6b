/**
 * Which escalation methods of the catalog one AWS principal holds, with the
 * statements granting each action (see src/catalog/escalation-methods.ts
 * for what "holds" means: every action on some resource of its own
 * account, PassRole for the method's service, not merely on itself when
 * the method needs another principal).
 */
import type { EffectiveGrant, GrantingStatement } from '../aws/effective-grant.js';
import type { AwsActionCatalog } from '../../catalog/aws-actions.js';
import { ESCALATION_METHODS, PASS_ROLE, type EscalationMethod } from '../../catalog/escalation-methods.js';
import { globMatches, printable } from '../../config/patterns.js';
import type { Identity } from '../../model/domain.js';
import { asArray } from '../../model/policy.js';
import { statementEvidence } from '../../rules/evidence.js';
import { accessOnAny, ActionAccessIndex, patternInAccount, type AccessGrant, type ActionAccess, type ScopedStatement } from './resource-access.js';

export interface MethodGrant {
  action: string;
  grant: AccessGrant;
}

/** A method a principal holds, as the reach graph keeps it for rules and evidence. */
export interface FoundEscalation {
  method: EscalationMethod;
  /** One per action of the method, then iam:PassRole when the method passes a role. */
  grants: MethodGrant[];
  /** Conditions every grant needs, in words (empty: unconditional). */
  conditions: string[];
}

/**
 * A found method with the resource-level access the graph's edges are made
 * from: needed while the graph is built, not kept after (for thousands of
 * escalating principals, their statement lists are tens of MB).
 */
export interface EscalationAccess extends FoundEscalation {
  /** Access to the method's first action: which resources it names (for graph edges). */
  targetAccess: ActionAccess;
  /** iam:PassRole narrowed to the statements usable for the method's service. */
  passRole?: ActionAccess;
}

type Principal = Pick<Identity, 'arn' | 'accountId' | 'kind' | 'name'>;

/**
 * Keeps the PassRole statements usable for `service`: an `iam:PassedToService`
 * condition (StringEquals / StringLike) naming only other services rules a
 * statement out; other conditions stay on it.
 */
function passRoleFor(access: ActionAccess, service: string): ActionAccess {
  const usable = (s: ScopedStatement) => {
    for (const [op, keys] of Object.entries(s.statement.condition ?? {})) {
      for (const [key, value] of Object.entries(keys)) {
        if (key.toLowerCase() !== 'iam:passedtoservice') continue;
        const operator = op.toLowerCase();
        if (operator !== 'stringequals' && operator !== 'stringlike') continue;
        if (!asArray(value).some((v) => globMatches(String(v), service))) return false;
      }
    }
    return true;
  };
  return { ...access, allows: access.allows.filter(usable) };
}

const IAM_ARN = /^arn:[\w-]+:iam::([^:]*):(.+)$/i;

/**
 * Whether a (substituted) resource pattern names exactly the principal itself.
 * IAM calls act only inside the caller's account, so an account wildcard
 * (`arn:aws:iam::*:user/${aws:username}`) still names the caller. A policy
 * checked before deploy, judged as if a user held it, has its own ARN: the
 * user it stands for is `user/<name>`.
 */
function isSelf(pattern: string, principal: Principal, selfResource: string | undefined): boolean {
  if (selfResource === undefined) return false;
  const target = IAM_ARN.exec(pattern);
  if (!target) return false;
  const [, account, resource] = target as unknown as [string, string, string];
  if (account !== '*' && account !== principal.accountId) return false;
  if (resource.includes('*') || resource.includes('?')) return false;
  return resource.toLowerCase() === selfResource;
}

/** The principal's own resource as isSelf compares it (lowercased), once per principal; undefined when its ARN is not an IAM one. */
function selfResourceOf(principal: Principal): string | undefined {
  const self = IAM_ARN.exec(principal.arn);
  if (!self) return undefined;
  return (principal.kind === 'user' && !/^user\//i.test(self[2]!) ? `user/${principal.name}` : self[2]!).toLowerCase();
}

/** Which resource patterns a method's actions must reach for one principal (made once per principal, not per method). */
interface Wanted {
  inAccount: (pattern: string) => boolean;
  /** In its account and not the principal itself: the first action of a method needing another principal. */
  another: (pattern: string) => boolean;
  /** A role of its account: what iam:PassRole must reach. */
  role: (pattern: string) => boolean;
}

function wantedBy(principal: Principal): Wanted {
  const inAccount = (p: string) => patternInAccount(p, principal.accountId);
  const selfResource = selfResourceOf(principal);
  return {
    inAccount,
    another: (p) => inAccount(p) && !isSelf(p, principal, selfResource),
    role: (p) => inAccount(p) && (p === '*' || /:role\/|^arn:[^:]*:iam::[^:]*:\*/.test(p) || p.endsWith(':*')),
  };
}

/** The escalation methods a principal holds, in catalog order. */
export function findEscalations(principal: Principal, grant: EffectiveGrant, catalog: AwsActionCatalog): EscalationAccess[] {
  const needed = methodIndices(catalog);
  const found: EscalationAccess[] = [];
  // Made on the first method the grant holds every action of: most principals hold none.
  let access: ((action: string) => ActionAccess | undefined) | undefined;
  let wanted: Wanted | undefined;
  for (let m = 0; m < ESCALATION_METHODS.length; m++) {
    // Most principals hold few methods whole: a method missing an action from the grant is settled by its bits alone.
    if (!holdsEvery(grant, needed[m]!)) continue;
    access ??= accessIndex(catalog).of(grant, principal);
    wanted ??= wantedBy(principal);
    const held = methodAccess(ESCALATION_METHODS[m]!, access, wanted);
    if (held) found.push(held);
  }
  return found;
}

function holdsEvery(grant: EffectiveGrant, indices: readonly (number | undefined)[]): boolean {
  for (const i of indices) if (i === undefined || !grant.has(i)) return false;
  return true;
}

/** The method's grants when the principal holds every action on a resource it needs (and PassRole on a role), else undefined. */
function methodAccess(method: EscalationMethod, access: (action: string) => ActionAccess | undefined, wanted: Wanted): EscalationAccess | undefined {
  // Sized up front: the graph keeps every holder's grants for the audit, and a pushed-to list reserves room for 16.
  const grants: MethodGrant[] = new Array(method.actions.length + (method.passRole ? 1 : 0));
  let targetAccess: ActionAccess | undefined;
  let conditioned = false;
  for (let i = 0; i < method.actions.length; i++) {
    const a = access(method.actions[i]!);
    const g = a && accessOnAny(a, i === 0 && method.othersOnly ? wanted.another : wanted.inAccount);
    if (!a || !g) return undefined;
    if (i === 0) targetAccess = a;
    grants[i] = { action: a.action, grant: g };
    conditioned ||= g.conditions.length > 0;
  }
  if (!targetAccess) return undefined;
  let passRole: ActionAccess | undefined;
  if (method.passRole) {
    const a = access(PASS_ROLE);
    passRole = a && passRoleFor(a, method.passRole);
    const g = passRole && accessOnAny(passRole, wanted.role);
    if (!g) return undefined;
    grants[method.actions.length] = { action: PASS_ROLE, grant: g };
    conditioned ||= g.conditions.length > 0;
  }
  // Most methods are held unconditionally: one shared empty list (never mutated) rather than a Set and a list per holder.
  const conditions = conditioned ? [...new Set(grants.flatMap((g) => g.grant.conditions))] : UNCONDITIONAL;
  const found: EscalationAccess = { method, grants, conditions, targetAccess };
  if (passRole) found.passRole = passRole;
  return found;
}
const UNCONDITIONAL: string[] = [];

/** Access to every action of the methods, iam:PassRole included, for one catalog. */
function accessIndex(catalog: AwsActionCatalog): ActionAccessIndex {
  let index = accessIndices.get(catalog);
  if (!index) accessIndices.set(catalog, (index = new ActionAccessIndex(catalog, [...new Set([...ESCALATION_METHODS.flatMap((m) => m.actions), PASS_ROLE])])));
  return index;
}
const accessIndices = new WeakMap<AwsActionCatalog, ActionAccessIndex>();

/** Catalog indices of each method's actions (and iam:PassRole for those passing a role), in ESCALATION_METHODS order; undefined: not in the catalog. */
function methodIndices(catalog: AwsActionCatalog): (number | undefined)[][] {
  let indices = indicesByCatalog.get(catalog);
  if (!indices) {
    indices = ESCALATION_METHODS.map((m) => [...m.actions, ...(m.passRole ? [PASS_ROLE] : [])].map((a) => catalog.indexOf(a)));
    indicesByCatalog.set(catalog, indices);
  }
  return indices;
}
const indicesByCatalog = new WeakMap<AwsActionCatalog, (number | undefined)[][]>();

/**
 * Why a principal holds a method, as its graph edges say: what the method
 * does, then `<statement> allows <action> on <resources>` for each statement
 * behind its grants. The first line is one string per method, not one per
 * holder: the edges keep it for the whole audit.
 */
export function methodReasons(found: FoundEscalation): string[] {
  const { method } = found;
  let summary = methodSummaries.get(method);
  if (summary === undefined) methodSummaries.set(method, (summary = `${method.title} (${method.id}): ${method.how}`));
  // Sized up front, as the graph keeps it for the audit.
  let size = 1;
  for (const g of found.grants) size += g.grant.allowedBy.length;
  const out: string[] = new Array(size);
  out[0] = summary;
  let at = 1;
  for (const g of found.grants) for (const s of g.grant.allowedBy) out[at++] = grantText(s, g.action);
  return out;
}
const methodSummaries = new WeakMap<EscalationMethod, string>();

/**
 * `<statement> allows <action> on <resources>`, once per described statement
 * and action: statements are shared by every holder of a policy, and the
 * graph names them on the edges of each holder (one text, not one per edge).
 */
export function grantText(s: GrantingStatement, action: string): string {
  let byAction = grantTextCache.get(s);
  if (!byAction) grantTextCache.set(s, (byAction = new Map()));
  let text = byAction.get(action);
  if (text === undefined) byAction.set(action, (text = statementEvidence(s, action, resourcesText(s)).summary));
  return text;
}
const grantTextCache = new WeakMap<GrantingStatement, Map<string, string>>();

export function resourcesText(s: GrantingStatement): string {
  return s.notResources ? `every resource except ${firstResources(s.notResources)}` : firstResources(s.resources ?? []);
}

/** A module function, not a named closure per call (tsx names each as it is made): the graph asks per edge. */
function firstResources(list: string[]): string {
  return list.slice(0, 3).map((r) => printable(r)).join(', ') + (list.length > 3 ? ` (+${list.length - 3} more)` : '');
}
