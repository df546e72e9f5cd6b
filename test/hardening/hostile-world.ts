/**
 * One realistic organisation whose cloud-supplied text is hostile, for the
 * hostile-names suite: the bundled AWS sample with its identities renamed
 * (everywhere: authorization details, credential reports, Access Advisor,
 * CloudTrail), a hostile path, policy name, tags, account alias, user agents, a Lambda function and a
 * damaged CloudTrail file with a hostile file name; and a gcloud export whose
 * folder, project, labels, service accounts, conditions, roles and audit-log
 * user agents are hostile. IAM allows only `[\w+=,.@-]` in names, but an
 * export is a file, and a file can hold anything.
 */
import { cpSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parseCsv } from '../../src/collect/files/iam/csv.js';
import { role } from '../helpers/gcp-audit.js';
import { writeGcloudExport, type OrgSpec } from '../helpers/gcp-org.js';
import { projectRoot } from '../helpers/fixtures.js';

export const AS_OF = '2026-11-15';
export const PROD = '111111111111';
export const STAGING = '222222222222';

export interface Hostile {
  label: string;
  /** The sample identity name it replaces, everywhere it occurs. */
  replaces: string;
  text: string;
}

/**
 * Each string attacks one way of reading text; each also names an identity.
 * Names hold `pwned-*` canaries relative to the working directory (a name
 * with `/` would be split as an ARN path); tags, user agents and conditions
 * hold the absolute `canary`.
 */
export function hostileStrings(): Hostile[] {
  return [
    { label: 'html', replaces: 'ops-ai-agent', text: `ops-</script><img src=x onerror="window.__pwned='img';alert(1)">-agent` },
    { label: 'attribute', replaces: 'backup-admin', text: `backup-"><svg onload=alert(2)>'"admin` },
    { label: 'markdown', replaces: 'legacy-reporting', text: 'legacy|reporting [click](javascript:alert(3)) `tick` **b** <b>html</b>\n# heading' },
    { label: 'shell', replaces: 'dns-automation', text: `dns$(touch pwned-sub)\`touch pwned-bt\`;touch pwned-semi;'"\\ rm -rf ~ $HOME\nautomation` },
    { label: 'ansi', replaces: 'claude-code-agent', text: 'claude-\x1b[2J\x1b[H\x1b]0;pwned-title\x07\x1b]8;;mailto:x@evil.example\x07click\x1b]8;;\x07\rOK-code-agent' },
    { label: 'bidi', replaces: 'qa-bot', text: 'qa-\u202egnp.exe\u2066\u200b\u200d\ufeff-bot' },
    { label: 'c1', replaces: 'staging-agent', text: 'staging-\u0085\u009b31m\u009d0;t\u009c\u007f-agent' },
    { label: 'zero-width', replaces: 'alice.admin', text: 'alice\u200b.admin\u00ad\u2060' },
    { label: 'unicode', replaces: 'legacy-etl-unused', text: 'legacy-etl-\u{1f600}\u200d\u{1f525}-\u{e0041}\ufffe\u0301-unused' },
    { label: 'long', replaces: 'prod-deployer', text: `prod-deployer-${'very-long-name-'.repeat(200)}end` },
  ];
}

/** Tag values and user agents: the payloads again, with the absolute canary and lone surrogates (fine in JSON, not in a file name). */
export function hostileTag(h: Hostile, canary: string): string {
  return `${h.label} note $(touch ${canary}) \`touch ${canary}\` ${h.text} \udfff\ud800`;
}

export const hostileAlias = (canary: string) => `acme-prod"><svg onload=alert(5)>\x1b[31m$(touch ${canary})\u202e`;
export const hostileUserAgent = (canary: string) => `claude-code/1.0.43 \x1b]0;pwned\x07 <img src=x onerror=alert(4)> $(touch ${canary}) \u202e`;
/** An IAM path (backup-admin's role) and an inline policy name (dns-automation's): both reach ARNs, reports and plan arguments. */
export const HOSTILE_PATH = { replaces: '/service/', text: "/service'$(touch pwned-path)`x`\u202e\x1b[31m/" };
export const HOSTILE_POLICY = { replaces: 'route53-all', text: 'route53-all"><b>$(touch pwned-policy)`x`;\u202e\x1b]0;t\x07' };

/**
 * A Lambda function the claude agent calls: CloudTrail names it, the generated
 * least-privilege policy and its plan document carry it. No whitespace (an
 * ARN with any is not kept, nor a function name with `/`), so the shell
 * payload spells its space `${IFS}`.
 */
export const HOSTILE_FUNCTION = { replaces: 'acme-thumbnailer', text: 'acme-thumbnailer\'$(touch${IFS}pwned-doc)`id`;y"><script>alert(6)' };
/** A CloudTrail file that is not gzip, named to attack whoever prints its name. */
export const HOSTILE_FILE = `111111111111_CloudTrail_eu-west-1_20261114T0900Z_\x1b[2J$(touch pwned-file)\`x\`\u202e.json.gz`;

function replaceAll(text: string, renames: readonly { replaces: string; text: string }[]): string {
  let out = text;
  for (const r of renames) out = out.split(r.replaces).join(r.text);
  return out;
}

function mapStrings(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [fn(k), mapStrings(v, fn)]));
  return value;
}

const csvField = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

function* filesUnder(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const file = path.join(dir, entry);
    if (statSync(file).isDirectory()) yield* filesUnder(file);
    else yield file;
  }
}

export interface AwsWorld {
  dir: string;
  /** The renamed identities' ARNs, by hostile label. */
  arns: Map<string, string>;
}

/** The AWS sample in `dir`, renamed and made hostile. */
export function writeHostileAwsExport(dir: string, canary: string): AwsWorld {
  const hostile = hostileStrings();
  // Longest first: no name is replaced inside another one's replacement.
  const renames = [...hostile, HOSTILE_FUNCTION, HOSTILE_PATH, HOSTILE_POLICY].sort((a, b) => b.replaces.length - a.replaces.length);
  const rename = (s: string) => replaceAll(s, renames);
  cpSync(path.join(projectRoot, 'samples', 'acme'), dir, { recursive: true });
  for (const file of [...filesUnder(dir)]) {
    const base = path.basename(file);
    if (file.endsWith('.json.gz')) {
      const records = mapStrings(JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')), rename) as { Records: Record<string, unknown>[] };
      for (const r of records.Records) if (String(r.userAgent ?? '').startsWith('claude-code/1.0.43')) r.userAgent = hostileUserAgent(canary);
      writeFileSync(file, gzipSync(JSON.stringify(records)));
    } else if (base === 'iam-get-credential-report.json') {
      const report = JSON.parse(readFileSync(file, 'utf8'));
      const csv = parseCsv(Buffer.from(report.Content, 'base64').toString('utf8'));
      report.Content = Buffer.from(csv.map((r) => r.fields.map((f) => csvField(rename(f))).join(',')).join('\n') + '\n').toString('base64');
      writeFileSync(file, JSON.stringify(report, null, 2));
    } else if (base.endsWith('.json')) {
      const value = mapStrings(JSON.parse(readFileSync(file, 'utf8')), rename) as Record<string, unknown>;
      if (base === 'account.json' && value.AccountId === PROD) value.AccountAliases = [hostileAlias(canary)];
      for (const list of ['UserDetailList', 'RoleDetailList'] as const) {
        for (const identity of (value[list] ?? []) as { UserName?: string; RoleName?: string; Tags?: { Key: string; Value: string }[] }[]) {
          const h = hostile.find((x) => x.text === (identity.UserName ?? identity.RoleName));
          if (h) identity.Tags = [...(identity.Tags ?? []), { Key: `note-${h.label}`, Value: hostileTag(h, canary) }];
        }
      }
      writeFileSync(file, JSON.stringify(value, null, 2));
    }
    // Access Advisor results are named by their principal's URL-encoded ARN; a name too long for a file name has none.
    if (/^arn%3A/.test(base)) {
      const renamed = encodeURIComponent(rename(decodeURIComponent(base.replace(/\.json$/, '')))) + (base.endsWith('.json') ? '.json' : '');
      if (renamed === base) continue;
      if (Buffer.byteLength(renamed) > 255) rmSync(file);
      else renameSync(file, path.join(path.dirname(file), renamed));
    }
  }
  writeFileSync(path.join(dir, 'cloudtrail', 'AWSLogs', PROD, 'CloudTrail', 'eu-west-1', '2026', '11', '14', HOSTILE_FILE), 'not gzip at all');
  const arns = new Map<string, string>();
  const sampleArns: Record<string, string> = {
    'ops-ai-agent': `arn:aws:iam::${PROD}:role/agents/ops-ai-agent`,
    'backup-admin': `arn:aws:iam::${PROD}:role/service/backup-admin`,
    'legacy-reporting': `arn:aws:iam::${PROD}:user/automation/legacy-reporting`,
    'dns-automation': `arn:aws:iam::${PROD}:user/automation/dns-automation`,
    'claude-code-agent': `arn:aws:iam::${PROD}:user/agents/claude-code-agent`,
    'qa-bot': `arn:aws:iam::${STAGING}:user/agents/qa-bot`,
    'staging-agent': `arn:aws:iam::${STAGING}:role/agents/staging-agent`,
    'alice.admin': `arn:aws:iam::${PROD}:user/alice.admin`,
    'legacy-etl-unused': `arn:aws:iam::${PROD}:role/legacy-etl-unused`,
    'prod-deployer': `arn:aws:iam::${PROD}:role/prod-deployer`,
  };
  for (const h of hostile) arns.set(h.label, rename(sampleArns[h.replaces]!));
  return { dir, arns };
}

export const GCP_ORG = '400000000009';
/**
 * A small organisation: a staging CI account with a year-old key, a basic
 * role and an impersonation hop into production, hostile text everywhere.
 * Project ids follow GCP's rules even here (they name the export's
 * directories); the service account's id does not.
 */
export function hostileGcpOrg(canary: string): OrgSpec {
  const [html, attribute, markdown, shell, ansi, bidi, c1] = hostileStrings();
  const ci = `ci-${shell!.label}'$(touch pwned-sa)\`x\`;y`;
  const ciEmail = `${ci}@p-stg.iam.gserviceaccount.com`;
  const condition = { title: `${shell!.text} $(touch ${canary}),x=y`, expression: `request.time < timestamp("2027-01-01T00:00:00Z") || resource.name == '${attribute!.text}'` };
  return {
    organization: { id: GCP_ORG, displayName: html!.text, bindings: [] },
    folders: [{ id: '500000000009', displayName: markdown!.text, parent: `organizations/${GCP_ORG}`, bindings: [] }],
    projects: [
      {
        id: 'p-stg',
        number: '700000000091',
        name: ansi!.text,
        parent: 'folders/500000000009',
        labels: { env: 'staging', team: 'x' },
        bindings: [{ role: 'roles/editor', members: [`serviceAccount:${ciEmail}`], condition }],
        insights: [{ sa: ci, role: 'roles/editor', exercised: ['storage.buckets.get'], total: 3 }],
        serviceAccounts: [{ id: ci, displayName: `${c1!.text} \udfff\ud800`, lastAuthDaysAgo: 1, keys: [{ id: 'e5c0ffee00000000000000000000000000000009', createdDaysAgo: 400, lastAuthDaysAgo: 300 }] }],
        logs: [{ sa: ci, permissions: [{ permission: 'storage.buckets.get', granted: true }], daysAgo: 2, method: 'storage.buckets.get', userAgent: hostileUserAgent(canary) }],
      },
      {
        id: 'p-prod',
        number: '700000000092',
        name: bidi!.text,
        parent: 'folders/500000000009',
        labels: { env: 'production' },
        bindings: [],
        serviceAccounts: [
          {
            id: 'deployer',
            displayName: attribute!.text,
            lastAuthDaysAgo: 1,
            bindings: [{ role: 'roles/iam.serviceAccountTokenCreator', members: [`serviceAccount:${ciEmail}`], condition }],
          },
        ],
      },
    ],
    predefinedRoles: [
      role('roles/iam.serviceAccountTokenCreator', ['iam.serviceAccounts.getAccessToken']),
      role('roles/editor', ['storage.buckets.delete', 'storage.buckets.get', 'storage.buckets.list']),
    ],
  };
}

export function writeHostileGcpExport(dir: string, canary: string): { dir: string; ci: string } {
  const spec = hostileGcpOrg(canary);
  writeGcloudExport(dir, spec, new Date(`${AS_OF}T12:00:00Z`));
  return { dir, ci: spec.projects[0]!.serviceAccounts[0]!.id + '@p-stg.iam.gserviceaccount.com' };
}
