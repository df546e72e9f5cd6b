/**
 * IAM principals and policies in a Terraform plan (`terraform show -json
 * plan.out`): `resource_changes[].change.after` of the aws_iam_* resources
 * that will exist after apply. Values known only after apply
 * (`after_unknown`) are unknown, never treated as safe. Attachments whose
 * policy ARN is unknown at plan time are linked through the configuration's
 * references (`aws_iam_policy.x.arn`).
 */
import { awsManagedPolicy, policyDocumentOf, type PlannedPolicy, type PlannedPrincipal } from './planned.js';

type Json = Record<string, unknown>;

interface ResourceChange {
  address: string;
  type: string;
  after: Json;
  afterUnknown: Json;
}

export function isTerraformPlan(data: unknown): boolean {
  return !!data && typeof data === 'object' && 'resource_changes' in data && ('format_version' in data || 'terraform_version' in data);
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const unknownFlag = (afterUnknown: Json, key: string): boolean => afterUnknown[key] === true || (typeof afterUnknown[key] === 'object' && JSON.stringify(afterUnknown[key]).includes('true'));

function changes(plan: Json): ResourceChange[] {
  const list = Array.isArray(plan.resource_changes) ? (plan.resource_changes as Json[]) : [];
  return list.flatMap((rc) => {
    const change = (rc.change ?? {}) as Json;
    const actions = Array.isArray(change.actions) ? (change.actions as string[]) : [];
    // Only what exists after apply: deletes have after = null.
    if (!change.after || typeof change.after !== 'object' || actions.includes('delete') && actions.length === 1) return [];
    return [{ address: String(rc.address), type: String(rc.type), after: change.after as Json, afterUnknown: (change.after_unknown ?? {}) as Json }];
  });
}

/** Resource address -> the addresses its expressions reference, per attribute, across modules. */
function references(plan: Json): Map<string, Record<string, string[]>> {
  const out = new Map<string, Record<string, string[]>>();
  const walk = (module: Json | undefined, prefix: string) => {
    for (const r of (module?.resources as Json[] | undefined) ?? []) {
      const exprs = (r.expressions ?? {}) as Record<string, { references?: string[] }>;
      const refs: Record<string, string[]> = {};
      // Every configured attribute is recorded (blocks such as inline_policy carry no references).
      for (const [attr, e] of Object.entries(exprs)) refs[attr] = Array.isArray(e?.references) ? e.references.map((x) => prefix + x) : [];
      out.set(prefix + String(r.address), refs);
    }
    for (const [name, call] of Object.entries((module?.module_calls ?? {}) as Record<string, Json>)) walk(call.module as Json, `${prefix}module.${name}.`);
  };
  walk(((plan.configuration ?? {}) as Json).root_module as Json | undefined, '');
  return out;
}

/** The resource address (`aws_iam_role.x`, without attribute) a reference list names with the given type. */
function referenced(refs: string[] | undefined, type: string): string | undefined {
  const hit = refs?.find((r) => r.split('.').includes(type));
  if (!hit) return undefined;
  const parts = hit.split('.');
  const i = parts.lastIndexOf(type);
  return parts.slice(0, i + 2).join('.');
}

function tagsOf(after: Json): Record<string, string> {
  const tags = (after.tags_all ?? after.tags ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(tags).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
}

function documentPolicy(name: string, kind: PlannedPolicy['kind'], value: unknown, isUnknown: boolean, where: string): PlannedPolicy {
  if (isUnknown) return { name, kind, unknown: `${where}: the policy is known only after apply` };
  const document = policyDocumentOf(value);
  return document ? { name, kind, document } : { name, kind, unknown: `${where}: the policy is not a JSON policy document` };
}

export function principalsFromTerraformPlan(plan: Json, file: string): PlannedPrincipal[] {
  const all = changes(plan);
  const refs = references(plan);
  const principals = new Map<string, PlannedPrincipal>();
  const byName = new Map<string, PlannedPrincipal>();
  const at = (rc: ResourceChange) => `${file}:${rc.address}`;

  const principalKinds: Record<string, PlannedPrincipal['kind']> = { aws_iam_role: 'role', aws_iam_user: 'user', aws_iam_group: 'group' };
  for (const rc of all) {
    const kind = principalKinds[rc.type];
    if (!kind) continue;
    const name = str(rc.after.name) ?? rc.address;
    const p: PlannedPrincipal = { source: at(rc), kind, name, path: str(rc.after.path), tags: tagsOf(rc.after), policies: [], unknowns: [] };
    if (kind === 'role') {
      p.trustPolicy = policyDocumentOf(rc.after.assume_role_policy);
      // inline_policy and managed_policy_arns are optional+computed: unknown when not configured (other
      // resources in the plan attach the policies). Unknown only counts when the configuration sets them.
      const configured = refs.get(rc.address) ?? {};
      for (const inline of (rc.after.inline_policy as Json[] | undefined) ?? []) {
        if (str(inline.policy)) p.policies.push(documentPolicy(str(inline.name) ?? 'inline_policy', 'inline', inline.policy, false, at(rc)));
      }
      if (configured.inline_policy && unknownFlag(rc.afterUnknown, 'inline_policy')) p.unknowns.push(`${at(rc)}: inline_policy is known only after apply`);
      for (const arn of (rc.after.managed_policy_arns as string[] | undefined) ?? []) p.policies.push(managedPolicy(arn, at(rc)));
      if (configured.managed_policy_arns && unknownFlag(rc.afterUnknown, 'managed_policy_arns')) p.unknowns.push(`${at(rc)}: managed_policy_arns are known only after apply`);
    }
    const boundary = str(rc.after.permissions_boundary);
    if (boundary) p.policies.push({ ...managedPolicy(boundary, at(rc)), kind: 'permissions-boundary' });
    principals.set(rc.address, p);
    byName.set(`${kind}:${name}`, p);
  }

  // Policies by address and ARN, for attachments.
  const policies = new Map<string, { rc: ResourceChange; policy: PlannedPolicy; attached: boolean }>();
  for (const rc of all.filter((r) => r.type === 'aws_iam_policy')) {
    const name = str(rc.after.name) ?? rc.address;
    policies.set(rc.address, { rc, policy: { ...documentPolicy(name, 'managed', rc.after.policy, unknownFlag(rc.afterUnknown, 'policy'), at(rc)), arn: str(rc.after.arn) }, attached: false });
  }
  const policyFor = (rc: ResourceChange): PlannedPolicy => {
    const arn = str(rc.after.policy_arn);
    const local = [...policies.entries()].find(([address, p]) => (arn && p.policy.arn === arn) || address === referenced(refs.get(rc.address)?.policy_arn, 'aws_iam_policy'));
    if (local) {
      local[1].attached = true;
      return local[1].policy;
    }
    if (arn) return managedPolicy(arn, at(rc));
    return { name: rc.address, kind: 'managed', unknown: `${at(rc)}: policy_arn is known only after apply and names no policy in this plan` };
  };
  const target = (rc: ResourceChange, attr: 'role' | 'user' | 'group', name = str(rc.after[attr])): PlannedPrincipal => {
    const found =
      (name && byName.get(`${attr}:${name}`)) || principals.get(referenced(refs.get(rc.address)?.[attr], `aws_iam_${attr}`) ?? '');
    if (found) return found;
    // A principal defined outside this plan: checked on its own, as what this plan adds to it.
    const key = `${attr}:${name ?? rc.address}`;
    let p = byName.get(key);
    if (!p) {
      p = { source: at(rc), kind: attr, name: name ?? rc.address, tags: {}, policies: [], unknowns: [] };
      byName.set(key, p);
      principals.set(`external:${key}`, p);
    }
    return p;
  };

  for (const rc of all) {
    switch (rc.type) {
      case 'aws_iam_role_policy':
      case 'aws_iam_user_policy':
      case 'aws_iam_group_policy': {
        const attr = rc.type === 'aws_iam_role_policy' ? 'role' : rc.type === 'aws_iam_user_policy' ? 'user' : 'group';
        target(rc, attr).policies.push(documentPolicy(str(rc.after.name) ?? rc.address, 'inline', rc.after.policy, unknownFlag(rc.afterUnknown, 'policy'), at(rc)));
        break;
      }
      case 'aws_iam_role_policy_attachment':
        target(rc, 'role').policies.push(policyFor(rc));
        break;
      case 'aws_iam_user_policy_attachment':
        target(rc, 'user').policies.push(policyFor(rc));
        break;
      case 'aws_iam_group_policy_attachment':
        target(rc, 'group').policies.push(policyFor(rc));
        break;
      case 'aws_iam_policy_attachment': {
        const policy = policyFor(rc);
        for (const attr of ['role', 'user', 'group'] as const) {
          for (const name of (rc.after[`${attr}s`] as string[] | undefined) ?? []) target(rc, attr, name).policies.push(policy);
        }
        break;
      }
    }
  }

  const unattached = [...policies.values()]
    .filter((p) => !p.attached)
    .map(({ rc, policy }): PlannedPrincipal => ({ source: at(rc), kind: 'policy', name: policy.name, tags: tagsOf(rc.after), policies: [policy], unknowns: [] }));
  return [...principals.values(), ...unattached];
}

function managedPolicy(arn: string, where: string): PlannedPolicy {
  return awsManagedPolicy(arn) ?? { name: arn.split('/').pop() ?? arn, kind: 'managed', arn, unknown: `${where}: customer managed policy ${arn} is not in this input: its grant is unknown` };
}
