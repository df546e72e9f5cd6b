/**
 * aws.privilege-escalation on the Cloudsplaining example account (a real
 * get-account-authorization-details export with the well-known privesc-*
 * principals), through the real importer, store, facts and graph.
 *
 * Expected per principal, read from the principal names (the account
 * names each after the method it demonstrates), not from the engine:
 * `privescN-<Method>` and `privesc-<method>` principals hold that method;
 * the AssumeRole chain roles reach the admin role hop by hop; the start
 * user and the permissive-trust role hold no policy and nothing trusts
 * them, so there is nothing to find (they are checked to pass).
 */
import { beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import type { ReachHop } from '../../src/model/finding.js';
import { privilegeEscalation } from '../../src/rules/aws/privilege-escalation.js';
import { runRules } from '../../src/rules/engine.js';
import type { RuleContext } from '../../src/rules/rule.js';
import { describeFixtures, fixture } from '../helpers/fixtures.js';
import { exportDirWithAuthz, scenarioFromSnapshot, snapshotFromExportDir } from '../helpers/snapshot-scenario.js';

const ACCOUNT = '200611803367';
const arnOf = (kind: 'user' | 'role', name: string) => `arn:aws:iam::${ACCOUNT}:${kind}/${name}`;

/** Method id each principal name stands for (Rhino numbering and Cloudsplaining's names). */
const BY_NAME: [RegExp, string][] = [
  [/^privesc1-/, 'iam:CreatePolicyVersion'],
  [/^privesc2-/, 'iam:SetDefaultPolicyVersion'],
  [/^(privesc3|fn1-privesc3)-/, 'passrole:ec2'],
  [/^privesc4-/, 'iam:CreateAccessKey'],
  [/^privesc5-/, 'iam:CreateLoginProfile'],
  [/^privesc6-/, 'iam:UpdateLoginProfile'],
  [/^privesc7-/, 'iam:AttachUserPolicy'],
  [/^privesc8-/, 'iam:AttachGroupPolicy'],
  [/^privesc9-/, 'iam:AttachRolePolicy'],
  [/^privesc10-/, 'iam:PutUserPolicy'],
  [/^privesc11-/, 'iam:PutGroupPolicy'],
  [/^privesc12-/, 'iam:PutRolePolicy'],
  [/^privesc13-/, 'iam:AddUserToGroup'],
  [/^privesc14-/, 'iam:UpdateAssumeRolePolicy'],
  [/^privesc15-/, 'passrole:lambda-invoke'],
  [/^privesc16-/, 'passrole:lambda-event-source'],
  [/^privesc17-/, 'lambda:UpdateFunctionCode'],
  [/^privesc18-/, 'passrole:glue-dev-endpoint'],
  [/^privesc19-/, 'glue:UpdateDevEndpoint'],
  [/^privesc20-/, 'passrole:cloudformation'],
  [/^privesc21-/, 'passrole:datapipeline'],
  [/^privesc-CloudFormationUpdateStack-/, 'cloudformation:UpdateStack'],
  [/^privesc-codeBuildCreateProjectPassRole-/, 'passrole:codebuild'],
  [/^privesc-ec2InstanceConnect-/, 'ec2-instance-connect:SendSSHPublicKey'],
  [/^privesc-sageMakerCreateNotebookPassRole-/, 'passrole:sagemaker-notebook'],
  [/^privesc-sageMakerCreatePresignedNotebookURL-/, 'sagemaker:CreatePresignedNotebookInstanceUrl'],
  [/^privesc-sageMakerCreateProcessingJobPassRole-/, 'passrole:sagemaker-processing-job'],
  [/^privesc-sageMakerCreateTrainingJobPassRole-/, 'passrole:sagemaker-training-job'],
  [/^privesc-ssmSendCommand-/, 'ssm:SendCommand'],
  [/^privesc-ssmStartSession-/, 'ssm:StartSession'],
  // iam:* (sre), * (admin roles): every IAM method; one stands for all.
  [/^privesc-sre-|^privesc-high-priv-service-role$|^privesc-AssumeRole-ending-role$/, 'iam:AttachUserPolicy'],
];
const NOTHING_TO_FIND = new Set(['privesc-AssumeRole-start-user', 'privesc-permissive-role-trust']);
const VIA_CHAIN = new Set(['privesc-AssumeRole-starting-role', 'privesc-AssumeRole-intermediate-role']);

describeFixtures('aws.privilege-escalation on the Cloudsplaining example account', () => {
  let context: RuleContext;
  beforeAll(async () => {
    const snapshot = snapshotFromExportDir(exportDirWithAuthz(fixture('aws/authz-cloudsplaining-example.json'), ACCOUNT));
    ({ context } = await scenarioFromSnapshot(snapshot, { config: parseConfig('{}', 'empty.yaml') }));
  });

  it('finds every privesc-* principal, by the method it is named after', () => {
    const privesc = context.identities.filter((f) => /privesc/.test(f.identity.name));
    expect(privesc.length).toBe(70); // the privesc users and roles (the privesc groups are not principals)
    const { findings } = runRules([privilegeEscalation], context);
    const unexplained: string[] = [];
    for (const { identity } of privesc) {
      const mine = findings.filter((f) => f.identityArn === identity.arn).map((f) => f.granular);
      if (NOTHING_TO_FIND.has(identity.name)) expect(mine, identity.name).toEqual([]);
      else if (VIA_CHAIN.has(identity.name)) expect(mine, identity.name).toEqual(['Escalation::via-chain']);
      else {
        const method = BY_NAME.find(([re]) => re.test(identity.name))?.[1];
        if (!method) unexplained.push(identity.name);
        else expect(mine, identity.name).toContain(`Escalation::${method}`);
      }
    }
    expect(unexplained).toEqual([]);
  });

  it('labels each granting statement of the evidence with the action that statement allows', async () => {
    // Two users get a permissions boundary (AdministratorAccess), so each action they are granted comes with
    // two statements: the policy's and the boundary's.
    const snapshot = snapshotFromExportDir(exportDirWithAuthz(fixture('aws/authz-cloudsplaining-example.json'), ACCOUNT));
    const admin = snapshot.attachments.find((a) => a.policyArn === 'arn:aws:iam::aws:policy/AdministratorAccess')!;
    for (const name of ['privesc4-CreateAccessKey-user', 'privesc7-AttachUserPolicy-user']) {
      snapshot.attachments.push({ ...admin, identityArn: arnOf('user', name), kind: 'permissions-boundary', groupName: undefined });
    }
    const { context: doubled } = await scenarioFromSnapshot(snapshot, { config: parseConfig('{}', 'empty.yaml') });
    const { findings } = runRules([privilegeEscalation], doubled);
    const statements = findings.flatMap((f) => f.evidence.filter((e) => e.kind === 'policy-statement'));
    expect(statements.length).toBeGreaterThan(100);
    // Every summary reads `<statement> allows <action> on …` (a boundary's: `lets through <action>`); its label must
    // name the same action, also where the action comes with several statements.
    const names = (e: (typeof statements)[number]) => [' allows ', ' lets through '].some((verb) => e.summary.includes(`${verb}${(e.detail as { action?: string }).action} `));
    expect(statements.filter((e) => e.summary.includes('permissions boundary')).length).toBeGreaterThan(1);
    const mislabelled = statements.filter((e) => !names(e));
    expect(mislabelled.map((e) => e.summary)).toEqual([]);
  });

  it('the AssumeRole chain shows each hop with the trust statement that allows it', () => {
    const start = arnOf('role', 'privesc-AssumeRole-starting-role');
    const mid = arnOf('role', 'privesc-AssumeRole-intermediate-role');
    const end = arnOf('role', 'privesc-AssumeRole-ending-role');
    const finding = runRules([privilegeEscalation], context).findings.find((f) => f.identityArn === start)!;
    const hops = (finding.evidence.find((e) => e.kind === 'reach-path')!.detail as { hops: ReachHop[] }).hops;
    expect(hops.map((h) => [h.from, h.to, h.edge])).toEqual([
      [start, mid, 'assume-role'],
      [mid, end, 'assume-role'],
    ]);
    expect(hops[0]!.grantedBy[0]).toBe(`trust policy of ${mid} statement 0 admits ${start}`);
    expect(finding.severity).toBe('critical'); // account unknown: counts as production
  });
});
