/**
 * Reports for the report-format tests: the bundled sample organisation
 * audited through the CLI (real pipeline, real figures), and a hostile
 * variant whose cloud-supplied text tries to break out of every format,
 * with suggestions, reach paths and suppressions filled in by hand.
 */
import { beforeAll } from 'vitest';
import { reportSchema, type AuditReport } from '../../src/report/json-schema.js';
import { sampleReport } from '../../bench/synthetic-report.js';

export { cli, sampleAuditArgs, sampleReport, scaledReport, SAMPLE, SAMPLE_CONFIG } from '../../bench/synthetic-report.js';

/** Each payload, if it ever ran, sets a window.__pwned flag (or opens a dialog) the browser tests look for. */
export const HOSTILE = {
  script: '<script>window.__pwned="script"</script>',
  img: '"><img src=x onerror="window.__pwned=\'img\'">',
  jsUrl: 'javascript:window.__pwned="url"',
  svg: '</text><svg onload="window.__pwned=\'svg\'"></svg>',
  closeScript: '</script><script>alert("json")</script>',
  lineSeparators: 'a\u2028b\u2029c',
  markdown: '[click](https://evil.example/x) | www.evil.example `tick` **bold** <b>html</b>',
} as const;

export const HOSTILE_ARN = `arn:aws:iam::111111111111:role/${HOSTILE.script}`;

/**
 * The sample report with hostile text wherever a cloud account supplies it:
 * the worst identity's name, ARN, tags and policy names; an account alias;
 * a coverage gap's reason; a finding's title and evidence; a reach path;
 * suggestion commands and rollback; plus one suppressed and one expired suppression.
 */
export function hostileReport(base: AuditReport): AuditReport {
  const report = structuredClone(base);
  const victim = report.findings[0]!.identityArn;
  const identity = report.identities.find((i) => i.arn === victim)!;
  identity.arn = HOSTILE_ARN;
  identity.name = `${HOSTILE.script}${HOSTILE.img}`;
  identity.tags = { [HOSTILE.img]: HOSTILE.jsUrl, owner: HOSTILE.svg, note: HOSTILE.lineSeparators };
  identity.policies = [{ name: HOSTILE.closeScript, kind: 'inline' }, { name: HOSTILE.jsUrl, kind: 'managed', arn: HOSTILE.jsUrl }];
  identity.accountAlias = HOSTILE.img;
  // A policy resource is cloud text too: an unknown-environment grant naming a hostile bucket.
  identity.grantedByEnvironment = [
    ...(identity.grantedByEnvironment ?? []),
    { environment: 'unknown', productionRisk: true, granted: 2, everyResource: 0, used: 1, unused: 0, unknown: 1, resources: [`arn:aws:s3:::${HOSTILE.svg}`] },
  ];
  for (const f of report.findings) if (f.identityArn === victim) f.identityArn = HOSTILE_ARN;
  const finding = report.findings[0]!;
  finding.title = `${HOSTILE.img} ${HOSTILE.markdown}`;
  finding.evidence.push(
    { kind: 'policy-statement', summary: HOSTILE.closeScript, detail: { statement: { Effect: 'Allow', Action: HOSTILE.script, Resource: HOSTILE.jsUrl } } },
    {
      kind: 'reach-path',
      summary: `can become ${HOSTILE.svg}`,
      detail: {
        hops: [
          { from: HOSTILE_ARN, to: 'arn:aws:iam::111111111111:role/deployer', edge: 'assume-role', grantedBy: [`trust policy of deployer: ${HOSTILE.img}`] },
          { from: 'arn:aws:iam::111111111111:role/deployer', to: `arn:aws:iam::111111111111:role/${HOSTILE.jsUrl}`, edge: 'pass-role', grantedBy: ['policy deploy#0'] },
        ],
      },
    },
  );
  report.findings[1]!.suppression = { reason: HOSTILE.script, owner: 'sec@example.com', expires: '2027-01-31', expired: false, source: '.keywarden/suppressions.yaml#1' };
  report.findings[2]!.suppression = { reason: 'accepted until the migration', owner: 'platform', expires: '2026-10-01', expired: true, source: '.keywarden/suppressions.yaml#2' };
  report.coverage = {
    complete: false,
    entries: [{ scope: 'aws:333333333333', source: 'authorization-details', status: 'gap', reason: `AccessDenied ${HOSTILE.img}` }, ...report.coverage.entries],
  };
  report.reach = { edges: [{ from: HOSTILE_ARN, to: 'arn:aws:iam::111111111111:role/deployer', edge: 'assume-role', grantedBy: [HOSTILE.img] }] };
  report.suggestions = [
    {
      id: 'sugg-1',
      kind: 'deactivate-access-key',
      provider: 'aws',
      identityArn: HOSTILE_ARN,
      accountId: finding.accountId,
      title: `Detach the broad policy from ${HOSTILE.script}`,
      resolves: [finding.fingerprint],
      risk: `nothing used it in 60 days ${HOSTILE.img}`,
      evidence: [{ kind: 'usage', summary: HOSTILE.svg }],
      steps: [{ stage: 1, description: 'detach', commands: [`aws iam detach-role-policy --role-name '${HOSTILE.img}' --policy-arn 'arn:aws:iam::aws:policy/AdministratorAccess'`] }],
      rollback: [{ stage: 1, description: 're-attach', commands: [`aws iam attach-role-policy --role-name '${HOSTILE.closeScript}' --policy-arn 'arn:aws:iam::aws:policy/AdministratorAccess'`] }],
      status: 'new',
    },
  ];
  return reportSchema.parse(report);
}

/** Registers a beforeAll that audits the sample and derives the hostile report; read them inside tests. */
export function sampleAndHostile(): { sample: AuditReport; hostile: AuditReport } {
  const reports = {} as { sample: AuditReport; hostile: AuditReport };
  beforeAll(async () => {
    reports.sample = await sampleReport();
    reports.hostile = hostileReport(reports.sample);
  }, 60_000);
  return reports;
}
