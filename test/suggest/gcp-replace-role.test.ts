/**
 * replace-gcp-role with the real predefined roles: the smallest predefined
 * role within the current one covering every exercised permission, else a
 * project custom role of exactly the exercised permissions; nothing when the
 * binding's usage is unknown.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { scanFacts } from '../../src/analyse/scan-facts.js';
import { windowEndingAt } from '../../src/analyse/window.js';
import { loadAwsActionCatalog } from '../../src/catalog/aws-actions.js';
import { GcpRoleCatalog, readRolesFile, type CustomRoleSupport } from '../../src/catalog/gcp-roles.js';
import { parseConfig } from '../../src/config/index.js';
import type { Finding } from '../../src/model/finding.js';
import { openStore } from '../../src/store/index.js';
import type { SuggestContext } from '../../src/suggest/context.js';
import { gcpRoleReplacements } from '../../src/suggest/gcp/replace-role.js';
import { suggestionsForScan, type SuggestionWithPlan } from '../../src/suggest/index.js';
import { renderCommand } from '../../src/suggest/command.js';
import { describeFixtures, fixture } from '../helpers/fixtures.js';
import { AS_OF, auditScan, importOrg, oneProject } from '../helpers/gcp-audit.js';

const email = (id: string) => `${id}@p-prod-1.iam.gserviceaccount.com`;
const SQL = ['cloudsql.instances.connect', 'cloudsql.instances.get'];
const MIXED = ['cloudsql.instances.connect', 'cloudsql.instances.get', 'pubsub.topics.publish'];
const CONDITION = { title: 'until 2027', expression: 'request.time < timestamp("2027-01-01T00:00:00Z")' };

describeFixtures('replace-gcp-role with the real predefined roles', () => {
  let catalog: GcpRoleCatalog;
  let entries: SuggestionWithPlan[];
  let ctx: SuggestContext;
  const replacementsOf = (id: string) => entries.filter((e) => e.suggestion.kind === 'replace-gcp-role' && e.suggestion.identityArn === email(id));

  beforeAll(async () => {
    const rolesFile = fixture('gcp/predefined-roles.json.gz');
    catalog = new GcpRoleCatalog(readRolesFile(rolesFile, 'predefined'));
    const editor = catalog.get('roles/editor')!.permissions.length;
    const owner = catalog.get('roles/owner')!.permissions.length;
    const store = openStore(':memory:');
    const config = parseConfig('environments:\n  accountTags:\n    - { key: env, value: production, environment: production }\n', 'k.yaml');
    const bind = (role: string, id: string, condition?: typeof CONDITION) => ({ role, members: [`serviceAccount:${email(id)}`], ...(condition && { condition }) });
    const scanId = importOrg(
      store,
      oneProject(
        {
          bindings: [bind('roles/editor', 'sql'), bind('roles/editor', 'mixed', CONDITION), bind('roles/owner', 'unobserved')],
          serviceAccounts: [{ id: 'sql', lastAuthDaysAgo: 1 }, { id: 'mixed', lastAuthDaysAgo: 1 }, { id: 'unobserved', lastAuthDaysAgo: 1 }],
          insights: [
            { sa: 'sql', role: 'roles/editor', exercised: SQL, total: editor },
            { sa: 'mixed', role: 'roles/editor', exercised: MIXED, total: editor },
          ],
          // Audit logs prove some use of owner, but no insight observes the rest of it.
          logs: [{ sa: 'unobserved', permissions: [{ permission: 'cloudsql.instances.get', granted: true }], daysAgo: 2 }],
        },
        [],
        // The real roles come from the file, as with gcp.predefinedRoles in the config.
        { predefinedRoles: undefined },
      ),
      AS_OF,
      rolesFile,
    );
    expect(owner).toBeGreaterThan(editor);
    const report = await auditScan(store, scanId, config);
    const facts = scanFacts(store, await loadAwsActionCatalog(), config, { scanId, window: windowEndingAt(AS_OF, 90) });
    const findings = report.findings as unknown as Finding[];
    entries = suggestionsForScan(store, facts, findings, config);
    ctx = { rules: facts.context, findings, policyDocuments: new Map(), observeDays: 14 };
    store.close();
  });

  it('chooses the smallest predefined role within the current one that covers every exercised permission', () => {
    const [entry, ...more] = replacementsOf('sql');
    expect(more).toEqual([]);
    const s = entry!.suggestion;
    expect(s.title).toContain('with roles/cloudsql.client (2)');
    const chosen = catalog.get('roles/cloudsql.client')!;
    const editor = new Set(catalog.get('roles/editor')!.permissions);
    for (const p of SQL) expect(chosen.permissions).toContain(p);
    expect(chosen.permissions.every((p) => editor.has(p))).toBe(true);
    // No predefined role with fewer permissions covers what was exercised.
    for (const r of catalog.roles()) if (r.permissions.length < chosen.permissions.length) expect(SQL.every((p) => r.permissions.includes(p)), r.name).toBe(false);
    expect(s.resolves.length).toBeGreaterThanOrEqual(1);
    expect(s.steps).toEqual([
      {
        stage: 1,
        description: expect.stringContaining('bind roles/cloudsql.client, then remove roles/editor'),
        commands: [
          `gcloud projects p-prod-1 add-iam-policy-binding --member=serviceAccount:${email('sql')} --role=roles/cloudsql.client --condition=None`,
          `gcloud projects p-prod-1 remove-iam-policy-binding --member=serviceAccount:${email('sql')} --role=roles/editor --condition=None`,
        ],
      },
    ]);
    expect(s.rollback[0]!.commands).toEqual([
      `gcloud projects p-prod-1 add-iam-policy-binding --member=serviceAccount:${email('sql')} --role=roles/editor --condition=None`,
      `gcloud projects p-prod-1 remove-iam-policy-binding --member=serviceAccount:${email('sql')} --role=roles/cloudsql.client --condition=None`,
    ]);
    expect(s.replacement).toBeUndefined();
  });

  it('falls back to a project custom role of exactly the exercised permissions, keeping the condition, and deletes it on rollback', () => {
    const [entry] = replacementsOf('mixed');
    const { plan, suggestion: s } = entry!;
    const created = plan.steps[0]!.commands[0]!.argv;
    expect(created.slice(0, 4)).toEqual(['gcloud', 'iam', 'roles', 'create']);
    const roleId = String(created[4]);
    expect(roleId).toMatch(/^keywarden_lp_mixed_[0-9a-f]{8}$/);
    expect(created).toContain('--project=p-prod-1');
    const permissions = String(created.find((a) => String(a).startsWith('--permissions='))).slice('--permissions='.length).split(',');
    expect(permissions).toEqual(MIXED);
    // Every permission of the replacement is valid: some role of the catalog holds it.
    const known = new Set([...catalog.roles()].flatMap((r) => r.permissions));
    for (const p of permissions) expect(known.has(p), p).toBe(true);
    const newRole = `projects/p-prod-1/roles/${roleId}`;
    const condition = `--condition=expression=${CONDITION.expression},title=${CONDITION.title}`;
    expect(plan.steps[0]!.commands.slice(1).map((c) => c.argv.slice(3))).toEqual([
      ['add-iam-policy-binding', `--member=serviceAccount:${email('mixed')}`, `--role=${newRole}`, condition],
      ['remove-iam-policy-binding', `--member=serviceAccount:${email('mixed')}`, '--role=roles/editor', condition],
    ]);
    expect(plan.rollback[0]!.commands.map((c) => renderCommand(c, 'display'))).toEqual([
      renderCommand({ argv: ['gcloud', 'projects', 'p-prod-1', 'add-iam-policy-binding', `--member=serviceAccount:${email('mixed')}`, '--role=roles/editor', condition] }, 'display'),
      renderCommand({ argv: ['gcloud', 'projects', 'p-prod-1', 'remove-iam-policy-binding', `--member=serviceAccount:${email('mixed')}`, `--role=${newRole}`, condition] }, 'display'),
      `gcloud iam roles delete ${roleId} --project=p-prod-1 --quiet`,
    ]);
    expect(s.replacement).toEqual({ format: 'gcp-custom-role', document: { name: newRole, includedPermissions: MIXED, stage: 'GA' }, coarse: [] });
    // The catalog carries no custom-role support levels here: the plan says so.
    expect(s.risk).toMatch(/does not say whether custom roles may hold 3 of them/);
  });

  it('proposes nothing when the binding is not observed (usage unknown), though audit logs show some use', () => {
    expect(entries.some((e) => e.suggestion.identityArn === email('unobserved') && e.suggestion.kind === 'replace-gcp-role')).toBe(false);
    // The finding it would resolve is there: the absence is the usage rule, not a missing finding.
    expect(ctx.findings.some((f) => f.identityArn === email('unobserved') && f.ruleId === 'gcp.basic-role')).toBe(true);
  });

  it('leaves out permissions custom roles cannot hold, and says which', () => {
    const support = new Map<string, CustomRoleSupport>([
      ['cloudsql.instances.connect', 'SUPPORTED'],
      ['cloudsql.instances.get', 'TESTING'],
      ['pubsub.topics.publish', 'NOT_SUPPORTED'],
    ]);
    const gcp = ctx.rules.gcp!;
    const withSupport = { ...ctx, rules: { ...ctx.rules, gcp: { ...gcp, roles: new GcpRoleCatalog(gcp.roles.roles(), support) } } };
    const plan = gcpRoleReplacements(withSupport).find((p) => p.identityArn === email('mixed'))!;
    expect(plan.steps[0]!.commands[0]!.argv).toContain('--permissions=cloudsql.instances.connect,cloudsql.instances.get');
    expect(plan.risk).toContain('NOT_SUPPORTED): pubsub.topics.publish');
    expect(plan.risk).toContain('In testing for custom roles (may change or stop working): cloudsql.instances.get');
    expect(plan.risk).not.toMatch(/does not say whether/);
    expect(plan.replacement!.document).toMatchObject({ includedPermissions: ['cloudsql.instances.connect', 'cloudsql.instances.get'], leftOut: ['pubsub.topics.publish'] });
  });
});

describe('smallestCoveringRole', () => {
  it('never proposes a service agent or deprecated role, nor one reaching outside the current role', async () => {
    const { smallestCoveringRole } = await import('../../src/suggest/gcp/replace-role.js');
    const role = (name: string, permissions: string[], stage = 'GA') => ({ name, permissions, stage, source: 'predefined' as const });
    const catalog = new GcpRoleCatalog([
      role('roles/x.serviceAgent', ['a.b.c']),
      role('roles/x.old', ['a.b.c', 'a.b.d'], 'DEPRECATED'),
      role('roles/x.wider', ['a.b.c', 'z.z.z']),
      role('roles/x.user', ['a.b.c', 'a.b.d', 'a.b.e']),
      role('roles/x.admin', ['a.b.c', 'a.b.d', 'a.b.e', 'a.b.f']),
    ]);
    const current = new Set(['a.b.c', 'a.b.d', 'a.b.e', 'a.b.f']);
    expect(smallestCoveringRole(catalog, ['a.b.c'], current)?.name).toBe('roles/x.user');
    // The current role itself is not strictly smaller.
    expect(smallestCoveringRole(catalog, ['a.b.f'], current)).toBeUndefined();
  });
});
