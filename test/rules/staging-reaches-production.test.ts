/**
 * aws.staging-reaches-production through the real store, facts and graph:
 * chains into production identities, production resources and production
 * escalation, each hop with its evidence.
 */
import { describe, expect, it } from 'vitest';
import type { PolicyDocument, PolicyStatement } from '../../src/model/policy.js';
import type { ReachHop } from '../../src/model/finding.js';
import { stagingReachesProduction } from '../../src/rules/aws/staging-reaches-production.js';
import { runRules } from '../../src/rules/engine.js';
import type { Finding, RuleOutcome, Severity } from '../../src/model/finding.js';
import { PROD, STAGING, scenario, type ScenarioSpec } from '../helpers/scenario.js';

const doc = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement });
const trust = (AWS: string | string[], extra: Partial<PolicyStatement> = {}) => doc({ Effect: 'Allow', Principal: { AWS }, Action: 'sts:AssumeRole', ...extra });
const policy = (...statements: PolicyStatement[]) => [{ name: 'p', document: doc(...statements) }];
const assume = (Resource: string | string[] = '*') => ({ Effect: 'Allow' as const, Action: 'sts:AssumeRole', Resource });

const AGENT = `arn:aws:iam::${STAGING}:user/staging-agent`;
const HOP = `arn:aws:iam::${STAGING}:role/staging-deployer`;
const PROD_ROLE = `arn:aws:iam::${PROD}:role/prod-deploy`;

interface Case {
  name: string;
  spec: ScenarioSpec;
  /** Outcome for the identity under test (the first of the spec). */
  outcome: RuleOutcome;
  findings?: { granular: string; severity: Severity }[];
  says?: string[];
  check?: (run: { findings: Finding[] }) => void;
}

/** The store lists identities by ARN, so the identity under test is looked up by ARN rather than by position. */
function cases(list: Case[]) {
  it.each(list)('$name', async (c) => {
    const { context } = await scenario(c.spec);
    const subject = c.spec.identities[0]!.arn;
    const evaluation = stagingReachesProduction.evaluate(context).find((e) => e.identityArn === subject)!;
    expect(evaluation.outcome).toBe(c.outcome);
    const findings = runRules([stagingReachesProduction], context).findings.filter((f) => f.identityArn === subject);
    expect(findings.map((f) => ({ granular: f.granular, severity: f.severity }))).toEqual(c.findings ?? []);
    const text = [evaluation.reason ?? '', ...findings.flatMap((f) => [f.title, ...f.evidence.map((e) => e.summary)])].join('\n');
    for (const s of c.says ?? []) expect(text).toContain(s);
    c.check?.({ findings });
  });
}

describe('aws.staging-reaches-production', () => {
  cases([
    {
      name: 'staging user -> staging role -> production role: critical, two hops, each with its grant',
      spec: {
        identities: [
          { arn: AGENT, policies: policy(assume(HOP)) },
          { arn: HOP, policies: policy(assume(`arn:aws:iam::${PROD}:role/*`)), trustPolicy: trust(AGENT) },
          { arn: PROD_ROLE, policies: policy({ Effect: 'Allow', Action: 's3:*', Resource: '*' }), trustPolicy: trust(`arn:aws:iam::${STAGING}:root`) },
        ],
      },
      outcome: 'fail',
      findings: [{ granular: `Chain::${PROD_ROLE}`, severity: 'critical' }],
      says: [
        'path (2 hops): staging-agent -[assume-role]-> staging-deployer -[assume-role]-> prod-deploy',
        `trust policy of ${PROD_ROLE} statement 0 admits account ${STAGING}`,
        `allows sts:AssumeRole on arn:aws:iam::${PROD}:role/*`,
        'is production: its account 111111111111 is production',
      ],
      check: ({ findings }) => {
        const path = findings[0]!.evidence.find((e) => e.kind === 'reach-path')!;
        const hops = (path.detail as { hops: ReachHop[] }).hops;
        expect(hops.map((h) => [h.from, h.to, h.edge])).toEqual([
          [AGENT, HOP, 'assume-role'],
          [HOP, PROD_ROLE, 'assume-role'],
        ]);
      },
    },
    {
      name: 'an external id on the production trust is shown and lowers the severity to high',
      spec: {
        identities: [
          { arn: AGENT, policies: policy(assume()) },
          { arn: PROD_ROLE, trustPolicy: trust(AGENT, { Condition: { StringEquals: { 'sts:ExternalId': 'ci-7f3a' } } }) },
        ],
      },
      outcome: 'fail',
      findings: [{ granular: `Chain::${PROD_ROLE}`, severity: 'high' }],
      says: ['only if StringEquals sts:ExternalId = "ci-7f3a"', '(under conditions)'],
    },
    {
      name: 'a staging role holding a production bucket is production: reaching it is reaching production',
      spec: {
        identities: [
          { arn: AGENT, policies: policy(assume(HOP)) },
          { arn: HOP, policies: policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::acme-prod-data/*' }), trustPolicy: trust(AGENT) },
        ],
      },
      outcome: 'fail',
      findings: [{ granular: `Chain::${HOP}`, severity: 'critical' }],
      says: ['holds 1 action on production resources'],
    },
    {
      name: 'staging chains that stay in staging pass',
      spec: {
        identities: [
          { arn: AGENT, policies: policy(assume()) },
          { arn: HOP, policies: policy({ Effect: 'Allow', Action: 's3:*', Resource: '*' }), trustPolicy: trust(AGENT) },
          { arn: PROD_ROLE, trustPolicy: trust(`arn:aws:iam::${PROD}:root`) },
        ],
      },
      outcome: 'pass',
    },
    {
      name: 'a production identity is aws.production-reach territory: not applicable',
      spec: { identities: [{ arn: PROD_ROLE, policies: policy(assume()) }] },
      outcome: 'not-applicable',
      says: ["aws.production-reach's"],
    },
  ]);
});
