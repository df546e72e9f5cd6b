/**
 * Narrowing one used action of a least-privilege replacement to the
 * resources its calls named (store/resource-usage.ts), never beyond what
 * the current grant allows:
 *
 * - every observed resource must lie within a pattern of a statement that
 *   grants the action today (case-sensitive, as IAM matches), and it keeps
 *   that statement's Condition;
 * - many resources under one statement are collapsed to their parent
 *   (`bucket/*`, `table/*`) only where the parent provably lies within the
 *   same grant pattern, and the widening is reported;
 * - otherwise (no resource observable, some calls named none, the sample hit
 *   its cap, NotResource grants, policy variables) the action keeps its
 *   current scope, and the reason is returned so the suggestion can say so.
 */
import type { GrantingStatement } from '../../analyse/aws/effective-grant.js';
import { globMatchesCaseSensitive } from '../../config/patterns.js';
import type { ConditionBlock } from '../../model/policy.js';
import type { ActionResourceEvidence } from '../../store/index.js';

/** More observed resources than this under one statement are collapsed to their parents. */
export const COLLAPSE_ABOVE = 8;

export interface ResourceScope {
  Resource: string[];
  Condition?: ConditionBlock;
}

export type Narrowing = { scopes: ResourceScope[]; widened?: string } | { reason: string };

/**
 * True when every resource `resource` names is named by `pattern`: `pattern`
 * matches it taking its wildcards literally, and has no `?` or policy
 * variable (then a star of `resource` is always absorbed by a star of `pattern`).
 */
export function patternCovers(pattern: string, resource: string): boolean {
  if (pattern === '*') return true;
  if (pattern.includes('${')) return false;
  if (pattern.includes('?') && /[*?]/.test(resource)) return false;
  return globMatchesCaseSensitive(pattern, resource);
}

const statementCovers = (s: GrantingStatement, resource: string) => s.unrestricted || (s.resources ?? []).some((p) => patternCovers(p, resource));

/** `arn:aws:s3:::b/logs/*` -> `arn:aws:s3:::b/*`; `…:table/orders` -> `…:table/*`; undefined when nothing to go up to. */
function parentOf(resource: string): string | undefined {
  const body = resource.endsWith('*') ? resource.slice(0, -1).replace(/[/:]$/, '') : resource;
  const cut = Math.max(body.lastIndexOf('/'), body.lastIndexOf(':'));
  // Keep at least arn:partition:service:region:account: and one resource segment.
  if (cut < 0 || body.slice(0, cut).split(':').length < 6) return undefined;
  return body.slice(0, cut + 1) + '*';
}

function collapse(resources: string[], statement: GrantingStatement): { resources: string[]; widened: boolean } {
  if (resources.length <= COLLAPSE_ABOVE) return { resources, widened: false };
  const out = new Set<string>();
  for (const r of resources) {
    const parent = parentOf(r);
    out.add(parent !== undefined && statementCovers(statement, parent) ? parent : r);
  }
  const collapsed = [...out].filter((r) => ![...out].some((o) => o !== r && patternCovers(o, r)));
  return { resources: collapsed.sort(), widened: collapsed.length < resources.length };
}

export function narrowToObserved(action: string, granting: readonly GrantingStatement[], evidence: ActionResourceEvidence | undefined): Narrowing {
  if (!evidence || evidence.resources.length === 0) return { reason: 'no resource observable in its calls' };
  if (evidence.unresolved > 0) return { reason: `${evidence.unresolved} of its calls named no observable resource` };
  if (evidence.overflow > 0) return { reason: `its calls named more distinct resources than the sample keeps` };
  if (granting.some((s) => s.notResources)) return { reason: 'granted through NotResource' };
  const byStatement = new Map<GrantingStatement, string[]>();
  for (const resource of evidence.resources) {
    const covering = granting.filter((s) => statementCovers(s, resource));
    const chosen = covering.find((s) => !s.condition) ?? covering[0];
    if (!chosen) return { reason: 'a resource it used lies outside its current identity-policy grant (allowed by something else)' };
    byStatement.set(chosen, [...(byStatement.get(chosen) ?? []), resource]);
  }
  const scopes: ResourceScope[] = [];
  let widened = false;
  for (const [statement, resources] of byStatement) {
    const c = collapse(resources, statement);
    widened ||= c.widened;
    scopes.push({ Resource: c.resources, ...(statement.condition ? { Condition: statement.condition } : {}) });
  }
  return widened
    ? { scopes, widened: `${action}: ${evidence.resources.length} observed resources collapsed to ${scopes.flatMap((s) => s.Resource).join(', ')}` }
    : { scopes };
}
