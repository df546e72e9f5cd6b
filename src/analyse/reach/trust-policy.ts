/**
 * Reading a role's trust policy (AssumeRolePolicyDocument): which principals
 * it admits to `sts:AssumeRole`, and under which conditions.
 *
 * Principal forms as AWS writes them: `"*"` / `{"AWS": "*"}` (anyone),
 * an account id or `arn:…:iam::<id>:root` (the account: its identities
 * still need their own policy to allow it), a user or role ARN (that
 * principal), an assumed-role session ARN (sessions of that role with that
 * name), `{"Service": …}` (a service, used for PassRole), `{"Federated": …}`
 * (web identity / SAML, not an identity of the scan). A unique id (`AROA…`)
 * is what IAM shows once the named principal was deleted: it admits nobody
 * the scan knows.
 */
import { actionPatternMatches } from '../../catalog/action-pattern.js';
import { printable } from '../../config/patterns.js';
import { asArray, type ConditionBlock, type PolicyDocument, type PolicyStatement } from '../../model/policy.js';
import { conditionText } from './conditions.js';

export type TrustPrincipal =
  | { kind: 'any' }
  | { kind: 'account'; accountId: string }
  | { kind: 'arn'; arn: string }
  | { kind: 'session'; accountId: string; roleName: string; session: string }
  | { kind: 'service'; service: string }
  | { kind: 'federated'; provider: string }
  | { kind: 'unresolved'; value: string };

export interface TrustStatement {
  index: number;
  sid?: string;
  effect: 'Allow' | 'Deny';
  principals: TrustPrincipal[];
  /** NotPrincipal: everyone except the listed principals. */
  notPrincipal: boolean;
  condition?: ConditionBlock;
}

const ASSUME = 'sts:AssumeRole';

function principalOf(type: string, value: string): TrustPrincipal {
  if (type === 'Service') return { kind: 'service', service: value.toLowerCase() };
  if (type === 'Federated') return { kind: 'federated', provider: value };
  if (type === 'CanonicalUser') return { kind: 'unresolved', value };
  if (value === '*') return { kind: 'any' };
  if (/^\d{12}$/.test(value)) return { kind: 'account', accountId: value };
  const arn = /^arn:[^:]+:(iam|sts)::(\d{12}):(.+)$/.exec(value);
  if (!arn) return { kind: 'unresolved', value };
  const [, service, accountId, resource] = arn as unknown as [string, string, string, string];
  if (service === 'iam' && resource === 'root') return { kind: 'account', accountId };
  if (service === 'sts') {
    const session = /^assumed-role\/([^/]+)\/(.+)$/.exec(resource);
    return session ? { kind: 'session', accountId, roleName: session[1]!, session: session[2]! } : { kind: 'unresolved', value };
  }
  return { kind: 'arn', arn: value };
}

function principals(p: PolicyStatement['Principal']): TrustPrincipal[] {
  if (p === undefined) return [];
  if (p === '*') return [{ kind: 'any' }];
  return Object.entries(p).flatMap(([type, values]) => asArray(values).map((v) => principalOf(type, String(v))));
}

/** The trust policy's statements that bear on sts:AssumeRole (Allow and Deny). */
export function trustStatements(document: PolicyDocument | undefined): TrustStatement[] {
  if (!document || typeof document !== 'object') return [];
  const out: TrustStatement[] = [];
  asArray(document.Statement).forEach((s, index) => {
    if (!s || typeof s !== 'object') return;
    const actions = asArray(s.Action).map(String);
    const notActions = asArray(s.NotAction).map(String);
    const covers = s.Action !== undefined ? actions.some((a) => actionPatternMatches(a, ASSUME)) : notActions.length > 0 && !notActions.some((a) => actionPatternMatches(a, ASSUME));
    if (!covers || (s.Effect !== 'Allow' && s.Effect !== 'Deny')) return;
    const notPrincipal = s.NotPrincipal !== undefined;
    const statement: TrustStatement = { index, effect: s.Effect, principals: principals(notPrincipal ? s.NotPrincipal : s.Principal), notPrincipal };
    if (s.Sid) statement.sid = s.Sid;
    if (s.Condition && Object.keys(s.Condition).length) statement.condition = s.Condition;
    out.push(statement);
  });
  return out;
}

/** Services a role's trust admits to sts:AssumeRole (for PassRole): `lambda.amazonaws.com`, … */
export function trustedServices(statements: readonly TrustStatement[]): Map<string, TrustStatement> {
  const out = new Map<string, TrustStatement>();
  for (const s of statements) {
    if (s.effect !== 'Allow' || s.notPrincipal) continue;
    for (const p of s.principals) if (p.kind === 'service' && !out.has(p.service)) out.set(p.service, s);
  }
  return out;
}

/** `trust policy of <role> statement <n> (Sid "…") admits <who>[ under Condition …]` */
export function trustText(roleArn: string, s: TrustStatement, who: string): string {
  const sid = s.sid ? ` (Sid "${printable(s.sid)}")` : '';
  const condition = s.condition ? ` under Condition ${conditionText(s.condition)}` : '';
  return `trust policy of ${printable(roleArn)} statement ${s.index}${sid} ${s.effect === 'Deny' ? 'denies' : 'admits'} ${who}${condition}`;
}

export function principalText(p: TrustPrincipal): string {
  switch (p.kind) {
    case 'any':
      return 'any principal (*)';
    case 'account':
      return `account ${p.accountId} (its identities whose own policies allow sts:AssumeRole)`;
    case 'arn':
      return printable(p.arn);
    case 'session':
      return `sessions of role ${printable(p.roleName)} in ${p.accountId} named ${printable(p.session)}`;
    case 'service':
      return `service ${printable(p.service)}`;
    case 'federated':
      return `federated ${printable(p.provider)}`;
    case 'unresolved':
      return `${printable(p.value)} (not an identity in the scan)`;
  }
}
