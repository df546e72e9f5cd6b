/**
 * The least-privilege replacement for one AWS principal: only the actions
 * seen used in the window, each kept on exactly the resources and conditions
 * the statements that grant it today allow, so the replacement is never
 * wider than the grant it replaces for any action.
 *
 * - Action level: actions CloudTrail or action-level Access Advisor saw used.
 * - Service level: a service Access Advisor saw used without naming actions
 *   keeps the identity's current grant in that service; listed in `coarse`,
 *   because it is wider than any observed use.
 * - Explicit Deny statements of the removed policies are carried over
 *   verbatim, so a guard rail the old policies held is not lost.
 * - Resources: the resources its calls named, within today's statement
 *   scope (resource-scope.ts); collapsed to a parent when many (listed in
 *   `coarse`). An action whose resources cannot be told keeps today's
 *   statement scope, so one granted on `*` stays on `*` (listed in `unscoped`).
 *
 * Documents are split to stay within the managed-policy size limit (6,144
 * characters, whitespace not counted).
 */
import type { EffectiveGrant, GrantingStatement } from '../../analyse/aws/effective-grant.js';
import type { ActionSet } from '../../catalog/action-set.js';
import type { AwsActionCatalog } from '../../catalog/aws-actions.js';
import { asArray, type ConditionBlock, type PolicyDocument, type PolicyStatement } from '../../model/policy.js';
import type { AuditFacts } from '../../analyse/granted-vs-used.js';
import type { ActionResourceEvidence } from '../../store/index.js';
import { narrowToObserved } from './resource-scope.js';

/** IAM's quota for a customer managed policy document, not counting whitespace. */
export const MANAGED_POLICY_MAX_CHARS = 6144;
/** IAM's default quota of managed policies attached to one user or role. */
export const MANAGED_POLICIES_PER_PRINCIPAL = 10;

export interface LeastPrivilegeInput {
  catalog: AwsActionCatalog;
  grant: EffectiveGrant;
  /** Granted actions seen used in the window (action level). */
  used: ActionSet;
  audit: Pick<AuditFacts, 'services'>;
  /** Deny statements of the policies the replacement removes. */
  carriedDenies: PolicyStatement[];
  /** Per action, the resources its calls named in the window; absent: no resource data. */
  resources?: ReadonlyMap<string, ActionResourceEvidence>;
}

export interface LeastPrivilegePolicy {
  documents: PolicyDocument[];
  /** Every action the replacement allows (action level and service level). */
  allowed: string[];
  /** Human-readable entries wider than observed use. */
  coarse: string[];
  /** Actions still allowed on every resource (no resource data to narrow them). */
  onEveryResource: number;
  /** Actions scoped to the resources their calls named. */
  scopedToObserved: number;
  /** Actions that keep today's scope, with why (`action: reason`). */
  unscoped: string[];
}

/** Policy text size as IAM counts it: JSON without whitespace outside strings. */
export function policySize(document: PolicyDocument): number {
  return JSON.stringify(document).length;
}

interface Scope {
  Resource?: string[];
  NotResource?: string[];
  Condition?: ConditionBlock;
}

/** The scope an action keeps: the union of its granting statements' scopes, one per distinct scope. */
function scopesOf(statements: GrantingStatement[]): Scope[] {
  const scopes = new Map<string, Scope>();
  // An unconditioned statement on every resource makes every narrower one redundant.
  if (statements.some((s) => s.unrestricted)) return [{ Resource: ['*'] }];
  for (const s of statements) {
    const scope: Scope = {};
    if (s.notResources) scope.NotResource = [...s.notResources].sort();
    else scope.Resource = [...(s.resources ?? ['*'])].sort();
    if (s.condition) scope.Condition = s.condition;
    scopes.set(JSON.stringify(scope), scope);
  }
  return [...scopes.values()];
}

const sidPart = (service: string) => service.replace(/[^A-Za-z0-9]/g, '').replace(/^./, (c) => c.toUpperCase());

export function leastPrivilegePolicy(input: LeastPrivilegeInput): LeastPrivilegePolicy {
  const { catalog, grant } = input;
  const keep = input.used.clone();
  const coarse: string[] = [];
  for (const svc of input.audit.services) {
    if (svc.status !== 'used' || svc.usedActions.length > 0) continue;
    const range = catalog.service(svc.service);
    if (!range) continue;
    const held = grant.actions.countRange(range.start, range.end);
    grant.actions.forEachInRange(range.start, range.end, (i) => void keep.add(i));
    const all = held === range.end - range.start;
    coarse.push(
      `${svc.service}: ${all ? `${svc.service}:*` : `${held} granted actions`} kept, because ${svc.observedBy.includes('access-advisor') ? 'Access Advisor' : 'a source'} saw the service used without naming actions (service-level data only)`,
    );
  }

  // Group actions by service and scope: one statement each, actions sorted. Actions granted by the
  // same statements share a scope, so scopes are worked out once per combination of statements.
  const statements = new Map<string, { service: string; scope: Scope; actions: string[] }>();
  const scopeCache = new Map<string, { scopes: Scope[]; keys: string[]; everywhere: boolean }>();
  let onEveryResource = 0;
  let scopedToObserved = 0;
  const unscoped: string[] = [];
  const allowed: string[] = [];
  const addTo = (service: string, scope: Scope, key: string, scopeKey = JSON.stringify(scope)) => {
    const id = `${service}\u0000${scopeKey}`;
    const entry = statements.get(id) ?? { service, scope, actions: [] };
    entry.actions.push(key);
    statements.set(id, entry);
  };
  keep.forEach((i) => {
    const key = catalog.keyAt(i);
    const service = key.slice(0, key.indexOf(':'));
    allowed.push(key);
    const granting = grant.grantsFor(i);
    if (input.resources && input.used.has(i)) {
      const narrowed = narrowToObserved(key, granting, input.resources.get(key));
      if ('scopes' in narrowed) {
        scopedToObserved++;
        if (narrowed.widened) coarse.push(narrowed.widened);
        for (const scope of narrowed.scopes) addTo(service, scope, key);
        return;
      }
      unscoped.push(`${key}: ${narrowed.reason}`);
    }
    const cacheKey = granting.map((g) => `${g.policyHash}#${g.statementIndex}`).join(',');
    let cached = scopeCache.get(cacheKey);
    if (!cached) {
      const scopes = scopesOf(granting);
      cached = { scopes, keys: scopes.map((sc) => JSON.stringify(sc)), everywhere: scopes.some((sc) => sc.Resource?.includes('*') && !sc.Condition) };
      scopeCache.set(cacheKey, cached);
    }
    if (cached.everywhere) onEveryResource++;
    cached.scopes.forEach((scope, k) => addTo(service, scope, key, cached.keys[k]));
  });

  const allows: PolicyStatement[] = [];
  const sids = new Map<string, number>();
  for (const { service, scope, actions } of statements.values()) {
    const base = `Used${sidPart(service)}`;
    const n = (sids.get(base) ?? 0) + 1;
    sids.set(base, n);
    const range = catalog.service(service)!;
    const useWildcard = actions.length === range.end - range.start;
    allows.push({
      Sid: n === 1 ? base : `${base}${n}`,
      Effect: 'Allow',
      Action: useWildcard ? `${service}:*` : actions.sort(),
      ...scope,
    });
  }
  return { documents: pack([...allows, ...input.carriedDenies]), allowed, coarse, onEveryResource, scopedToObserved, unscoped };
}

/** Statements into as few documents as fit the size limit; a statement too big alone is split by action. */
function pack(statements: PolicyStatement[]): PolicyDocument[] {
  const documents: PolicyDocument[] = [];
  let current: PolicyStatement[] = [];
  const fits = (list: PolicyStatement[]) => policySize({ Version: '2012-10-17', Statement: list }) <= MANAGED_POLICY_MAX_CHARS;
  for (const statement of statements.flatMap(splitToFit)) {
    if (fits([...current, statement])) current.push(statement);
    else {
      if (current.length) documents.push({ Version: '2012-10-17', Statement: current });
      current = [statement];
    }
  }
  if (current.length) documents.push({ Version: '2012-10-17', Statement: current });
  return documents;
}

function splitToFit(statement: PolicyStatement): PolicyStatement[] {
  const fits = (s: PolicyStatement) => policySize({ Version: '2012-10-17', Statement: [s] }) <= MANAGED_POLICY_MAX_CHARS;
  const actions = asArray(statement.Action);
  if (fits(statement) || actions.length < 2) return [statement];
  const half = Math.ceil(actions.length / 2);
  const part = (list: string[], suffix: string): PolicyStatement => ({ ...statement, Sid: statement.Sid ? `${statement.Sid}${suffix}` : undefined, Action: list });
  return [...splitToFit(part(actions.slice(0, half), 'A')), ...splitToFit(part(actions.slice(half), 'B'))];
}

/** Deny statements of the given documents, verbatim. */
export function denyStatements(documents: Iterable<PolicyDocument>): PolicyStatement[] {
  const out: PolicyStatement[] = [];
  for (const d of documents) for (const s of asArray(d.Statement)) if (s.Effect === 'Deny') out.push(s);
  return out;
}
