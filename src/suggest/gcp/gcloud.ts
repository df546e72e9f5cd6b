/**
 * gcloud commands as argv (quoted in one place, shell-quote.ts), one
 * builder per command a plan uses, with the flags gcloud documents for it.
 * Every command names its project explicitly so the configured default
 * project never decides where a change lands.
 */
import type { GcpBinding } from '../../model/gcp.js';
import type { PlanArgument, PlannedCommand } from '../command.js';

const cmd = (...argv: PlanArgument[]): PlannedCommand => ({ argv: ['gcloud', ...argv] });

/**
 * `--condition=expression=…,title=…` or `--condition=None` (gcloud requires
 * one when the policy has conditions). gcloud splits this flag on commas, so
 * when a value holds one the flag switches delimiter (`^~^`, see
 * `gcloud topic escaping`) to a character the values do not contain.
 */
export function conditionFlag(binding: Pick<GcpBinding, 'condition'>): string {
  const c = binding.condition;
  if (!c) return '--condition=None';
  const parts = [`expression=${c.expression}`, ...(c.title ? [`title=${c.title}`] : [])];
  if (!parts.some((p) => p.includes(','))) return `--condition=${parts.join(',')}`;
  const delimiter = ['~', '|', '#', '@', '!', ';'].find((d) => !parts.some((p) => p.includes(d)));
  if (!delimiter) throw new Error('condition uses every delimiter gcloud accepts');
  return `--condition=^${delimiter}^${parts.join(delimiter)}`;
}

/** Where a binding lives: the gcloud command group and the resource id it takes. */
function policyTarget(binding: Pick<GcpBinding, 'resource' | 'level'>): PlanArgument[] {
  const [, id] = /^[a-zA-Z]+\/(.+)$/.exec(binding.resource) ?? [];
  if (!id) throw new Error(`not a resource name: ${binding.resource}`);
  switch (binding.level) {
    case 'project':
      return ['projects', id];
    case 'folder':
      return ['resource-manager', 'folders', id];
    case 'organization':
      return ['organizations', id];
    case 'service-account':
      return ['iam', 'service-accounts', id];
  }
}

export const gcloud = {
  /** Prints the configured project: the guard compares it with the plan's. */
  configProject: () => cmd('config', 'get-value', 'project'),
  disableKey: (keyId: string, email: string, project: string) => cmd('iam', 'service-accounts', 'keys', 'disable', keyId, `--iam-account=${email}`, `--project=${project}`),
  enableKey: (keyId: string, email: string, project: string) => cmd('iam', 'service-accounts', 'keys', 'enable', keyId, `--iam-account=${email}`, `--project=${project}`),
  deleteKey: (keyId: string, email: string, project: string) => cmd('iam', 'service-accounts', 'keys', 'delete', keyId, `--iam-account=${email}`, `--project=${project}`, '--quiet'),
  disableAccount: (email: string, project: string) => cmd('iam', 'service-accounts', 'disable', email, `--project=${project}`),
  enableAccount: (email: string, project: string) => cmd('iam', 'service-accounts', 'enable', email, `--project=${project}`),
  deleteAccount: (email: string, project: string) => cmd('iam', 'service-accounts', 'delete', email, `--project=${project}`, '--quiet'),
  /** Within 30 days of deletion, by the numeric unique id (the email may be reused). */
  undeleteAccount: (uniqueId: string, project: string) => cmd('beta', 'iam', 'service-accounts', 'undelete', uniqueId, `--project=${project}`),
  removeBinding: (b: GcpBinding, project: string) => cmd(...policyTarget(b), 'remove-iam-policy-binding', ...(b.level === 'service-account' ? [`--project=${project}`] : []), `--member=${b.member}`, `--role=${b.role}`, conditionFlag(b)),
  addBinding: (b: GcpBinding, project: string) => cmd(...policyTarget(b), 'add-iam-policy-binding', ...(b.level === 'service-account' ? [`--project=${project}`] : []), `--member=${b.member}`, `--role=${b.role}`, conditionFlag(b)),
  createProjectRole: (roleId: string, project: string, title: string, permissions: readonly string[]) =>
    cmd('iam', 'roles', 'create', roleId, `--project=${project}`, `--title=${title}`, `--permissions=${permissions.join(',')}`, '--stage=GA'),
  deleteProjectRole: (roleId: string, project: string) => cmd('iam', 'roles', 'delete', roleId, `--project=${project}`, '--quiet'),
};

/** The project guard: the script stops unless gcloud's configured project is the one the change is for. */
export function projectGuard(project: string) {
  return {
    command: gcloud.configProject(),
    expected: project,
    description: `run with gcloud configured for project ${project} (gcloud config set project ${project})`,
  };
}
