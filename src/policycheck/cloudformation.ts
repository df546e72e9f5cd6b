/**
 * IAM principals and policies in a CloudFormation template (JSON or YAML,
 * with the short-form intrinsic tags !Ref, !Sub, !GetAtt, !Join, …):
 * AWS::IAM::Role, AWS::IAM::User, AWS::IAM::Group, AWS::IAM::Policy and
 * AWS::IAM::ManagedPolicy. Intrinsic values inside a policy become readable
 * placeholders (`${BucketName}`): a resource named by a parameter is in an
 * account nobody classified, hence treated as production.
 */
import { parseDocument, type ScalarTag, type CollectionTag, YAMLMap, YAMLSeq } from 'yaml';
import { MAX_INPUT_NESTING, yamlNestingDepth } from '../util/nesting.js';
import { awsManagedPolicy, policyDocumentOf, type PlannedPolicy, type PlannedPrincipal } from './planned.js';

type Json = Record<string, unknown>;

const FUNCTIONS = ['And', 'Base64', 'Cidr', 'Equals', 'FindInMap', 'GetAtt', 'GetAZs', 'If', 'ImportValue', 'Join', 'Not', 'Or', 'Select', 'Split', 'Sub', 'Transform'] as const;

/** `!Ref x` -> { Ref: x }, `!GetAtt A.B` -> { 'Fn::GetAtt': ['A', 'B'] }, `!Sub …` -> { 'Fn::Sub': … } in every node form. */
function intrinsicTags(): (ScalarTag | CollectionTag)[] {
  const key = (fn: string) => (fn === 'Ref' || fn === 'Condition' ? fn : `Fn::${fn}`);
  const scalar = (fn: string): ScalarTag => ({
    tag: `!${fn}`,
    resolve: (value: string) => ({ [key(fn)]: fn === 'GetAtt' ? value.split('.') : value }),
  });
  const collection = (fn: string, kind: 'seq' | 'map'): CollectionTag => ({
    tag: `!${fn}`,
    collection: kind,
    nodeClass: kind === 'seq' ? YAMLSeq : YAMLMap,
    resolve: (node) => ({ [key(fn)]: (node as YAMLSeq | YAMLMap).toJSON() }) as never,
  });
  return [...FUNCTIONS, 'Ref', 'Condition'].flatMap((fn) => [scalar(fn), collection(fn, 'seq'), collection(fn, 'map')]);
}

export function parseCloudFormation(text: string, file: string): Json {
  // yaml composes recursively: deeper text is refused before it reaches the stack's edge (util/nesting.ts).
  if (yamlNestingDepth(text, MAX_INPUT_NESTING) > MAX_INPUT_NESTING) throw new Error(`${file}: nested more than ${MAX_INPUT_NESTING} levels deep`);
  const doc = parseDocument(text, { customTags: intrinsicTags(), uniqueKeys: true });
  if (doc.errors.length) throw new Error(`${file}: invalid YAML/JSON: ${doc.errors[0]!.message.split('\n')[0]}`);
  return doc.toJS({ maxAliasCount: 100 }) as Json;
}

export function isCloudFormation(data: unknown): boolean {
  if (!data || typeof data !== 'object' || !('Resources' in data)) return false;
  return 'AWSTemplateFormatVersion' in data || Object.values((data as Json).Resources as Json).some((r) => typeof (r as Json)?.Type === 'string' && String((r as Json).Type).startsWith('AWS::'));
}

/** An intrinsic as text: literal parts kept, the rest as `${…}` placeholders. */
export function flattenIntrinsics(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(flattenIntrinsics);
  if (!value || typeof value !== 'object') return value;
  const obj = value as Json;
  const keys = Object.keys(obj);
  if (keys.length === 1) {
    const [k] = keys as [string];
    const arg = obj[k];
    if (k === 'Ref') return `\${${String(arg)}}`;
    if (k === 'Fn::Sub') return Array.isArray(arg) ? String(arg[0]) : String(arg);
    if (k === 'Fn::GetAtt') return `\${${Array.isArray(arg) ? arg.join('.') : String(arg)}}`;
    if (k === 'Fn::Join' && Array.isArray(arg) && Array.isArray(arg[1])) return (arg[1] as unknown[]).map((p) => { const f = flattenIntrinsics(p); return typeof f === 'string' ? f : '${…}'; }).join(String(arg[0]));
    if (k.startsWith('Fn::')) return `\${${k}}`;
  }
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, flattenIntrinsics(v)]));
}

const logicalRef = (v: unknown): string | undefined => (v && typeof v === 'object' && typeof (v as Json).Ref === 'string' ? String((v as Json).Ref) : undefined);

function tagsOf(props: Json): Record<string, string> {
  const tags = Array.isArray(props.Tags) ? (props.Tags as Json[]) : [];
  return Object.fromEntries(tags.filter((t) => typeof t.Key === 'string' && typeof t.Value === 'string').map((t) => [t.Key as string, t.Value as string]));
}

/** A policy document from the template; actions or effects that depend on intrinsics are unknown (only resources may be placeholders). */
function templatePolicy(name: string, kind: PlannedPolicy['kind'], value: unknown, where: string): PlannedPolicy {
  const document = policyDocumentOf(flattenIntrinsics(value));
  if (!document) return { name, kind, unknown: `${where}: policy ${name} has no readable PolicyDocument` };
  const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
  const unresolved = statements.some((st) => JSON.stringify([st.Effect, st.Action, st.NotAction]).includes('${'));
  return unresolved
    ? { name, kind, document, unknown: `${where}: policy ${name} has actions or effects chosen at deploy time (intrinsic functions): what it grants is partly unknown` }
    : { name, kind, document };
}

function inlinePolicy(p: Json, where: string): PlannedPolicy {
  return templatePolicy(typeof p.PolicyName === 'string' ? p.PolicyName : 'inline', 'inline', p.PolicyDocument, where);
}

export function principalsFromCloudFormation(template: Json, file: string): PlannedPrincipal[] {
  const resources = (template.Resources ?? {}) as Record<string, Json>;
  const principals = new Map<string, PlannedPrincipal>();
  const managed = new Map<string, { policy: PlannedPolicy; attached: boolean; source: string }>();
  const KINDS: Record<string, PlannedPrincipal['kind']> = { 'AWS::IAM::Role': 'role', 'AWS::IAM::User': 'user', 'AWS::IAM::Group': 'group' };
  const NAME_KEYS: Record<string, string> = { role: 'RoleName', user: 'UserName', group: 'GroupName' };

  for (const [id, r] of Object.entries(resources)) {
    const props = (r.Properties ?? {}) as Json;
    if (r.Type === 'AWS::IAM::ManagedPolicy') {
      const name = typeof props.ManagedPolicyName === 'string' ? props.ManagedPolicyName : id;
      const policy = templatePolicy(name, 'managed', props.PolicyDocument, `${file}:${id}`);
      managed.set(id, { policy, attached: false, source: `${file}:${id}` });
    }
  }

  const attachManaged = (p: PlannedPrincipal, value: unknown, where: string) => {
    const ref = logicalRef(value);
    const local = ref ? managed.get(ref) : undefined;
    if (local) {
      local.attached = true;
      p.policies.push(local.policy);
    } else if (typeof value === 'string') {
      p.policies.push(awsManagedPolicy(value) ?? { name: value, kind: 'managed', arn: value, unknown: `${where}: managed policy ${value} is not in this template: its grant is unknown` });
    } else {
      p.policies.push({ name: String(flattenIntrinsics(value)), kind: 'managed', unknown: `${where}: managed policy ARN ${JSON.stringify(flattenIntrinsics(value))} is resolved only at deploy time` });
    }
  };

  for (const [id, r] of Object.entries(resources)) {
    const kind = KINDS[String(r.Type)];
    if (!kind) continue;
    const props = (r.Properties ?? {}) as Json;
    const where = `${file}:${id}`;
    const nameValue = flattenIntrinsics(props[NAME_KEYS[kind]!]);
    const p: PlannedPrincipal = {
      source: where,
      kind,
      name: typeof nameValue === 'string' ? nameValue : id,
      path: typeof props.Path === 'string' ? props.Path : undefined,
      tags: tagsOf(props),
      policies: ((props.Policies as Json[] | undefined) ?? []).map((pol) => inlinePolicy(pol, where)),
      trustPolicy: policyDocumentOf(flattenIntrinsics(props.AssumeRolePolicyDocument)),
      unknowns: [],
    };
    for (const arn of (props.ManagedPolicyArns as unknown[] | undefined) ?? []) attachManaged(p, arn, where);
    if (props.PermissionsBoundary !== undefined) {
      const before = p.policies.length;
      attachManaged(p, props.PermissionsBoundary, where);
      p.policies[before] = { ...p.policies[before]!, kind: 'permissions-boundary' };
    }
    principals.set(id, p);
  }

  // AWS::IAM::Policy (inline, attached to Roles/Users/Groups) and the attachment lists of managed policies.
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::IAM::Policy' && r.Type !== 'AWS::IAM::ManagedPolicy') continue;
    const props = (r.Properties ?? {}) as Json;
    const policy = r.Type === 'AWS::IAM::Policy' ? inlinePolicy(props, `${file}:${id}`) : managed.get(id)!.policy;
    let attached = false;
    for (const key of ['Roles', 'Users', 'Groups']) {
      for (const target of (props[key] as unknown[] | undefined) ?? []) {
        const ref = logicalRef(target);
        const p = (ref && principals.get(ref)) || [...principals.values()].find((x) => x.name === target);
        if (p) {
          p.policies.push(policy);
          attached = true;
        } else {
          const kind = key === 'Roles' ? 'role' : key === 'Users' ? 'user' : 'group';
          principals.set(`${id}:${String(flattenIntrinsics(target))}`, { source: `${file}:${id}`, kind, name: String(flattenIntrinsics(target)), tags: {}, policies: [policy], unknowns: [] });
          attached = true;
        }
      }
    }
    if (attached && managed.has(id)) managed.get(id)!.attached = true;
    if (!attached && r.Type === 'AWS::IAM::Policy') principals.set(id, { source: `${file}:${id}`, kind: 'policy', name: policy.name, tags: {}, policies: [policy], unknowns: [] });
  }
  for (const [id, m] of managed) if (!m.attached) principals.set(id, { source: m.source, kind: 'policy', name: m.policy.name, tags: {}, policies: [m.policy], unknowns: [] });
  return [...principals.values()];
}
