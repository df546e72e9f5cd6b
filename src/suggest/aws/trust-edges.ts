/**
 * Remove the trust edge that lets a non-production principal assume a
 * production role. Built from `reach-path` evidence (detail `{ hops }`): the
 * assume-role hop into production names the role and the principal it
 * trusts. The role's saved trust policy minus that principal is written with
 * `update-assume-role-policy`; the rollback writes the saved one back.
 */
import { riskEnvironment } from '../../analyse/environment.js';
import { printable } from '../../config/patterns.js';
import type { Evidence, Finding, ReachHop } from '../../model/finding.js';
import { asArray, type PolicyDocument, type PolicyStatement } from '../../model/policy.js';
import { evidencePending } from '../../rules/lazy-evidence.js';
import type { IdentityFacts } from '../../rules/rule.js';
import type { SuggestContext } from '../context.js';
import { isOpen } from '../../model/finding.js';
import type { PlannedSuggestion } from '../types.js';
import { iamCli } from './iam-cli.js';
import { accountGuard } from './target.js';

function hopsOf(evidence: Evidence): ReachHop[] {
  if (evidence.kind !== 'reach-path') return [];
  const hops = (evidence.detail as { hops?: unknown } | undefined)?.hops;
  return Array.isArray(hops) ? (hops as ReachHop[]).filter((h) => typeof h?.from === 'string' && typeof h?.to === 'string') : [];
}

const accountOf = (arn: string) => arn.split(':')[4] ?? '';

/**
 * The trust policy without `principal`. An exact ARN is removed where listed;
 * failing that, the principal's whole account (`arn:aws:iam::<id>:root` or
 * the bare id), which also cuts every other principal of that account.
 */
export function withoutPrincipal(trust: PolicyDocument, principal: string): { document: PolicyDocument; removed: string[] } | undefined {
  const account = accountOf(principal);
  const accountForms = new Set([account, `arn:aws:iam::${account}:root`]);
  const lists = asArray(trust.Statement).flatMap((s) => (s.Principal && s.Principal !== '*' ? asArray(s.Principal.AWS) : []));
  const match = lists.includes(principal) ? (v: string) => v === principal : (v: string) => accountForms.has(v);
  const removed = [...new Set(lists.filter(match))];
  if (!removed.length) return undefined;
  const statements: PolicyStatement[] = [];
  for (const s of asArray(trust.Statement)) {
    if (s.Effect !== 'Allow' || !s.Principal || s.Principal === '*' || s.Principal.AWS === undefined) {
      statements.push(s);
      continue;
    }
    const aws = asArray(s.Principal.AWS).filter((v) => !match(v));
    const { AWS: _dropped, ...others } = s.Principal;
    const principalLeft = aws.length ? { ...others, AWS: aws.length === 1 ? aws[0]! : aws } : others;
    if (Object.keys(principalLeft).length) statements.push({ ...s, Principal: principalLeft });
  }
  // IAM refuses a trust policy with no statement: leave one that trusts nobody.
  if (!statements.length) statements.push({ Sid: 'KeywardenNoTrust', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' });
  return { document: { ...trust, Statement: statements }, removed };
}

interface Edge {
  hop: ReachHop;
  role: IdentityFacts;
  findings: Finding[];
}

/** Assume-role hops from outside production into a production role the scan holds, with the findings that show them. */
function productionEdges(ctx: SuggestContext): Edge[] {
  const byArn = new Map(ctx.rules.identities.map((f) => [f.identity.arn, f]));
  const environmentOf = (arn: string) => riskEnvironment((byArn.get(arn)?.environment ?? ctx.rules.resourceEnvironment(arn)).environment);
  const edges = new Map<string, Edge>();
  for (const finding of ctx.findings) {
    // Evidence not built yet holds no reach path (rules/lazy-evidence.ts): building it here would build all of it.
    if (!isOpen(finding) || evidencePending(finding)) continue;
    for (const hop of finding.evidence.flatMap(hopsOf)) {
      const role = byArn.get(hop.to);
      if (hop.edge !== 'assume-role' || role?.identity.kind !== 'role' || environmentOf(hop.to) !== 'production' || environmentOf(hop.from) === 'production') continue;
      const key = `${hop.from}\u0000${hop.to}`;
      const edge = edges.get(key) ?? { hop, role, findings: [] };
      if (!edge.findings.includes(finding)) edge.findings.push(finding);
      edges.set(key, edge);
    }
  }
  return [...edges.values()];
}

export function stagingTrustEdges(ctx: SuggestContext): PlannedSuggestion[] {
  const out: PlannedSuggestion[] = [];
  for (const { hop, role, findings } of productionEdges(ctx)) {
    const trust = role.identity.trustPolicy;
    const edited = trust && withoutPrincipal(trust, hop.from);
    if (!trust || !edited) continue;
    const wholeAccount = !edited.removed.includes(hop.from);
    const roleName = role.identity.name;
    const lastUse = role.audit.lastUsed;
    out.push({
      kind: 'remove-trust-edge',
      provider: 'aws',
      identityArn: role.identity.arn,
      accountId: role.identity.accountId,
      change: `${hop.from}->${hop.to}`,
      title: `Stop ${printable(hop.from)} from assuming production role ${printable(roleName)}`,
      resolves: findings.map((f) => f.fingerprint),
      risk:
        `Whatever in ${printable(hop.from)} assumes ${printable(roleName)} gets AccessDenied from sts:AssumeRole after the change` +
        `${lastUse ? ` (the role was last used ${lastUse.at.slice(0, 10)}, per ${lastUse.source})` : ''}. ` +
        (wholeAccount
          ? `The trust policy names the whole account (${edited.removed.map((r) => printable(r)).join(', ')}), not the principal: removing it cuts every principal of account ${accountOf(hop.from)}.`
          : `Only ${printable(hop.from)} is removed; other trusted principals keep access.`),
      evidence: [
        ...findings.flatMap((f) => f.evidence.filter((e) => e.kind === 'reach-path')).slice(0, 3),
        { kind: 'note', summary: `trust policy of ${printable(roleName)} lists ${edited.removed.map((r) => printable(r)).join(', ')}`, detail: { removed: edited.removed } },
      ],
      steps: [
        {
          stage: 1,
          description: `replace the trust policy with the saved one minus ${edited.removed.map((r) => printable(r)).join(', ')} (reversible)`,
          commands: [iamCli.updateAssumeRolePolicy({ RoleName: roleName, PolicyDocument: { document: 'trust-without-edge.json' } })],
        },
      ],
      rollback: [
        { stage: 1, description: 'restore the saved trust policy', commands: [iamCli.updateAssumeRolePolicy({ RoleName: roleName, PolicyDocument: { document: 'saved-trust-policy.json' } })] },
      ],
      documents: [
        { name: 'trust-without-edge.json', purpose: 'trust policy without the edge', document: edited.document },
        { name: 'saved-trust-policy.json', purpose: 'saved trust policy (rollback)', document: trust },
      ],
      inputs: [],
      guard: accountGuard(role.identity),
    });
  }
  return out;
}
