/**
 * Policy-as-code checks on a realistic Terraform plan and CloudFormation
 * templates (test/policycheck/samples.ts), through the same rules as a
 * scanned account, and through `keywarden ci --policy`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { windowEndingAt } from '../../src/analyse/window.js';
import { main } from '../../src/cli/main.js';
import { checkPolicyFiles, readPolicyFile, type PolicyCheckOptions } from '../../src/policycheck/check.js';
import { KNOWN_AWS_MANAGED_POLICIES } from '../../src/policycheck/planned.js';
import { reportSchema, type AuditReport } from '../../src/report/json-schema.js';
import { projectRoot } from '../helpers/fixtures.js';
import { AS_OF, PROD, STAGING, testConfig } from '../helpers/scenario.js';
import { CLOUDFORMATION_JSON, CLOUDFORMATION_YAML, IAM_POLICY_FILE, terraformPlan } from './samples.js';

let tmp: string;
beforeAll(() => void (tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-policy-'))));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const p = path.join(tmp, name);
  writeFileSync(p, content);
  return p;
}

const check = (files: string[], options: Partial<PolicyCheckOptions> = {}) =>
  checkPolicyFiles({ files, config: testConfig(), window: windowEndingAt(AS_OF, 90), toolVersion: 'test', accountId: PROD, ...options });

const keys = (r: AuditReport, arn: string) => r.findings.filter((f) => f.identityArn === arn).map((f) => `${f.severity} ${f.ruleId} ${f.granular}`);

describe('Terraform plan JSON', () => {
  it('finds AdministratorAccess on a planned agent role, and a customer policy linked through configuration references', async () => {
    const plan = file('plan.json', JSON.stringify(terraformPlan()));
    const report = await check([plan]);
    const agent = `arn:aws:iam::${PROD}:role/agents/deploy-agent`;
    expect(keys(report, agent)).toContain('critical aws.root-level-scope Action::*');
    const admin = report.findings.find((f) => f.identityArn === agent && f.granular === 'Action::*')!;
    expect(admin.title).toContain('via AdministratorAccess');
    expect(admin.evidence[0]!.summary).toBe(`planned in ${plan}:aws_iam_role.deploy_agent`);

    // policy_arn is unknown at plan time; the configuration says it is aws_iam_policy.ci_iam.
    const reader = `arn:aws:iam::${PROD}:role/agents/report-reader`;
    expect(keys(report, reader)).toEqual(expect.arrayContaining(['critical aws.root-level-scope Action::iam:PutRolePolicy', 'critical aws.root-level-scope Action::iam:AttachRolePolicy']));
    // The deleted user is not judged; an attached policy is not reported again on its own.
    expect(report.identities.map((i) => i.arn).sort()).toEqual([agent, reader]);
    expect(report.coverage.complete).toBe(true);
  });

  it('judges production reach by the target account: the same plan into staging reaches no production', async () => {
    const report = await check([file('plan-staging.json', JSON.stringify(terraformPlan()))], { accountId: STAGING });
    expect(report.findings.filter((f) => f.ruleId === 'aws.production-reach')).toEqual([]);
    expect(report.findings.some((f) => f.ruleId === 'aws.root-level-scope' && f.granular === 'Action::*')).toBe(true);
  });

  it('shows a policy known only after apply as unknown (a coverage gap), never as safe', async () => {
    const report = await check([file('plan-unknown.json', JSON.stringify(terraformPlan({ unknownPolicy: true })))]);
    expect(report.coverage.complete).toBe(false);
    expect(report.coverage.entries).toContainEqual(
      expect.objectContaining({ scope: `arn:aws:iam::${PROD}:role/agents/report-reader`, status: 'gap', reason: expect.stringContaining('aws_iam_policy.ci_iam: the policy is known only after apply') }),
    );
  });
});

describe('CloudFormation', () => {
  it('reads YAML short-form intrinsics and finds near-admin, a whole root-level service, and deletes in production', async () => {
    const template = file('agent.yaml', CLOUDFORMATION_YAML);
    const [role] = readPolicyFile(template);
    expect(role!.name).toBe('${AWS::StackName}-bedrock-agent');
    const tools = role!.policies.find((p) => p.name === 'tools')!.document!;
    expect(tools.Statement).toContainEqual(expect.objectContaining({ Resource: 'arn:aws:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:agent/*' }));
    expect(tools.Statement).toContainEqual(expect.objectContaining({ Resource: '${ToolFunction.Arn}' }));

    const report = await check([template], { accountId: STAGING });
    const arn = `arn:aws:iam::${STAGING}:role/agents/\${AWS::StackName}-bedrock-agent`;
    const found = keys(report, arn);
    expect(found).toContain('high aws.root-level-scope Action::*-except'); // PowerUserAccess, staging: one step below critical
    // The !Ref'd managed policy and the AWS::IAM::Policy naming the role in Roles are both held (kms:* is absorbed by *-except).
    expect(report.identities[0]!.policies.map((p) => p.name).sort()).toEqual(['KeyAdminPolicy', 'PowerUserAccess', 'cleanup', 'tools']);
    // A bucket named by a parameter is in no classified account: treated as production.
    expect(found).toContain('critical aws.production-reach Reach::production::Write:delete');
  });

  it('treats actions chosen at deploy time (Fn::If) as unknown: the known part is judged and coverage is incomplete', async () => {
    const template = CLOUDFORMATION_YAML.replace(
      'Action: lambda:InvokeFunction',
      "Action: !If [IsProd, 'lambda:InvokeFunction', 'lambda:*']",
    );
    const report = await check([file('agent-if.yaml', template)], { accountId: STAGING });
    expect(report.coverage.complete).toBe(false);
    expect(report.coverage.entries).toContainEqual(expect.objectContaining({ status: 'gap', reason: expect.stringContaining('policy tools has actions or effects chosen at deploy time') }));
    expect(report.findings.some((f) => f.granular === 'Action::*-except')).toBe(true);
  });

  it('reads JSON templates with Fn::Join and passes a user scoped to staging resources', async () => {
    const report = await check([file('user.json', CLOUDFORMATION_JSON)], {
      accountId: STAGING,
      config: testConfig(`environments:\n  accounts:\n    - { id: "${STAGING}", environment: staging }\n  resources:\n    - { pattern: "arn:aws:s3:::acme-staging-*", environment: staging }\n`),
    });
    expect(report.findings).toEqual([]);
    expect(report.rules.find((r) => r.ruleId === 'aws.production-reach')).toMatchObject({ pass: 1, fail: 0 });
  });
});

describe('policy files and principals', () => {
  it('checks a bare IAM policy document as if an agent received it', async () => {
    const report = await check([file('ec2-admin.json', IAM_POLICY_FILE)]);
    const found = keys(report, `arn:aws:iam::${PROD}:policy/ec2-admin`);
    expect(found).toEqual(expect.arrayContaining(['critical aws.root-level-scope Action::iam:AttachUserPolicy', 'critical aws.production-reach Reach::production::Write:delete']));
  });

  it('with principals=agents checks only agent-attributed principals (and unattached policies)', async () => {
    const files = [file('p.json', JSON.stringify(terraformPlan())), file('a.yaml', CLOUDFORMATION_YAML), file('u.json', CLOUDFORMATION_JSON)];
    const report = await check(files, { principals: 'agents' });
    expect(report.identities.map((i) => i.name).sort()).toEqual(['${AWS::StackName}-bedrock-agent', 'deploy-agent']);
    expect(report.identities.every((i) => i.agent?.agent)).toBe(true);
  });

  it.each(Object.keys(KNOWN_AWS_MANAGED_POLICIES))('detects the known AWS managed policy %s as root-level scope', async (name) => {
    const plan = terraformPlan();
    const attachment = plan.resource_changes.find((r) => r.address === 'aws_iam_role_policy_attachment.deploy_agent_admin')!;
    (attachment.change.after as { policy_arn: string }).policy_arn = `arn:aws:iam::aws:policy/${name}`;
    const report = await check([file(`plan-${name}.json`, JSON.stringify(plan))]);
    const expected = { AdministratorAccess: 'Action::*', IAMFullAccess: 'Action::iam:*', PowerUserAccess: 'Action::*-except' }[name];
    expect(keys(report, `arn:aws:iam::${PROD}:role/agents/deploy-agent`)).toContain(`critical aws.root-level-scope ${expected}`);
  });

  it('finds privilege escalation in a policy before it is deployed, and not in a scoped variant', async () => {
    const escalating = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:CreatePolicyVersion', Resource: '*' }] };
    const scoped = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: 'arn:aws:iam::*:user/${aws:username}' }] };
    const report = await check([file('escalating.json', JSON.stringify(escalating)), file('scoped.json', JSON.stringify(scoped))]);
    const escalation = (arn: string) => report.findings.filter((f) => f.identityArn === arn && f.ruleId === 'aws.privilege-escalation');
    expect(escalation(`arn:aws:iam::${PROD}:policy/escalating`)).not.toHaveLength(0);
    expect(escalation(`arn:aws:iam::${PROD}:policy/scoped`)).toHaveLength(0);
  });

  it('names the file when it is none of the known formats', () => {
    expect(() => readPolicyFile(file('values.yaml', 'replicas: 3\n'))).toThrow(/values\.yaml: not an IAM policy document, Terraform plan JSON/);
    expect(() => readPolicyFile(file('broken.yaml', 'Resources: [\n'))).toThrow(/broken\.yaml: cannot parse policy file/);
    expect(() => readPolicyFile(path.join(tmp, 'absent.json'))).toThrow(/absent\.json: cannot read policy file: no such file/);
  });
});

describe('keywarden ci --policy', () => {
  async function cli(...args: string[]) {
    let out = '';
    let err = '';
    const code = await main(['node', 'keywarden', '--db', path.join(tmp, 'empty.db'), ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
    return { code, out, err };
  }

  it('stops an over-privileged token before it exists: exit 1, 2 for unknowns, 3 for an unreadable file, 0 when accepted', async () => {
    const plan = file('ci-plan.json', JSON.stringify(terraformPlan()));
    const run = await cli('ci', '--policy', plan, '--policy-account', PROD);
    expect(run.code).toBe(1);
    expect(run.err).toContain(`FAIL CRITICAL aws.root-level-scope arn:aws:iam::${PROD}:role/agents/deploy-agent [Action::*]`);
    expect(run.err).toContain(`why: planned in ${plan}:aws_iam_role.deploy_agent`);

    const unknown = file('ci-plan-unknown.json', JSON.stringify(terraformPlan({ unknownPolicy: true })));
    expect((await cli('ci', '--policy', unknown)).code).toBe(2);
    expect((await cli('ci', '--policy', unknown, '--allow-partial')).code).toBe(1);
    expect((await cli('ci', '--policy', path.join(tmp, 'nope.json'))).code).toBe(3);

    const accepted = file('accept.yaml', `suppressions:\n  - { rule: "aws.*", identity: "arn:aws:iam::*:role/agents/*", reason: sandbox rollout, owner: platform }\n`);
    const ok = await cli('ci', '--policy', plan, '--suppressions', accepted, '--json', path.join(tmp, 'policy.json'));
    expect(ok.code).toBe(0);
  });
});

describe('keywarden ci --policy together with a stored scan', () => {
  it('judges the account audit and the policy files in one report', async () => {
    const db = path.join(tmp, 'merged.db');
    const run = (...args: string[]) => {
      let err = '';
      let out = '';
      return main(['node', 'keywarden', '--db', db, ...args], { out: (s) => void (out += s), err: (s) => void (err += s) }).then((code) => ({ code, out, err }));
    };
    expect((await run('import', path.join(projectRoot, 'samples', 'acme'))).code).toBe(0);
    const json = path.join(tmp, 'merged.json');
    const plan = file('merged-plan.json', JSON.stringify(terraformPlan()));
    const result = await run('ci', '--as-of', '2026-11-15', '--window', '60', '--policy', plan, '--policy-account', PROD, '--json', json);
    expect(result.code).toBe(1);
    const report = reportSchema.parse(JSON.parse(readFileSync(json, 'utf8')));
    const arns = new Set(report.findings.map((f) => f.identityArn));
    expect(arns.has(`arn:aws:iam::${PROD}:role/agents/deploy-agent`)).toBe(true); // planned
    expect(arns.has('arn:aws:iam::111111111111:role/agents/ops-ai-agent')).toBe(true); // deployed
    expect(report.summary.identities).toBe(16 + 2);
    expect(report.scan.source).toContain('policy-files:');
  });
});
