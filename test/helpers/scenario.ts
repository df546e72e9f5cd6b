/**
 * Builds a RuleContext the way production does (snapshot -> store -> facts),
 * from a compact description, so rule tests exercise the real pipeline.
 */
import { loadAwsActionCatalog } from '../../src/catalog/aws-actions.js';
import { parseConfig, DEFAULT_CONFIG, type KeywardenConfig } from '../../src/config/index.js';
import { scanFacts, type ScanFacts } from '../../src/analyse/scan-facts.js';
import { windowEndingAt } from '../../src/analyse/window.js';
import { policyHash } from '../../src/collect/files/iam/index.js';
import type { AccountInfo, Credential, Identity, PolicyAttachment, Snapshot, UsageDay, AccessAdvisorReport } from '../../src/model/domain.js';
import type { PolicyDocument } from '../../src/model/policy.js';
import { openStore, type ScanExtras, type Store } from '../../src/store/index.js';

export const AS_OF = new Date('2026-11-15T12:00:00Z');

export const PROD = '111111111111';
export const STAGING = '222222222222';

export const TEST_CONFIG_YAML = `
environments:
  accounts:
    - { id: "${PROD}", environment: production }
    - { id: "${STAGING}", environment: staging }
  resources:
    - { pattern: "arn:aws:s3:::*prod*", environment: production }
agents:
  tags:
    - { key: agent, value: "*" }
`;

export function testConfig(yaml = TEST_CONFIG_YAML): KeywardenConfig {
  return parseConfig(yaml, 'test-config.yaml');
}

/** An identity with its policies given inline as documents (each becomes an inline or managed attachment). */
export interface IdentitySpec {
  arn: string;
  kind?: Identity['kind'];
  tags?: Record<string, string>;
  createdAt?: string;
  lastUsed?: Identity['lastUsed'];
  trustPolicy?: PolicyDocument;
  policies?: { name: string; document: PolicyDocument; kind?: PolicyAttachment['kind']; arn?: string }[];
  credentials?: Omit<Credential, 'provider' | 'identityArn' | 'accountId'>[];
}

export interface ScenarioSpec {
  accounts?: AccountInfo[];
  identities: IdentitySpec[];
  usage?: UsageDay[];
  accessAdvisor?: AccessAdvisorReport[];
  extras?: ScanExtras;
  collectedAt?: string;
}

function accountOf(arn: string): string {
  return arn.split(':')[4] ?? '';
}

export function snapshotOf(spec: ScenarioSpec): Snapshot {
  const identities: Identity[] = [];
  const attachments: PolicyAttachment[] = [];
  const policies = new Map<string, { hash: string; document: PolicyDocument }>();
  const credentials: Credential[] = [];
  for (const s of spec.identities) {
    const accountId = accountOf(s.arn);
    const name = s.arn.split('/').pop() ?? s.arn;
    identities.push({ provider: 'aws', arn: s.arn, accountId, kind: s.kind ?? (s.arn.includes(':role/') ? 'role' : 'user'), name, tags: s.tags ?? {}, createdAt: s.createdAt, lastUsed: s.lastUsed, trustPolicy: s.trustPolicy });
    for (const p of s.policies ?? []) {
      const hash = policyHash(p.document);
      policies.set(hash, { hash, document: p.document });
      attachments.push({ identityArn: s.arn, policyHash: hash, kind: p.kind ?? 'inline', policyName: p.name, policyArn: p.arn });
    }
    for (const c of s.credentials ?? []) credentials.push({ ...c, provider: 'aws', identityArn: s.arn, accountId });
  }
  const accountIds = [...new Set(identities.map((i) => i.accountId))];
  return {
    provider: 'aws',
    source: 'test:scenario',
    collectedAt: spec.collectedAt ?? AS_OF.toISOString(),
    accounts: spec.accounts ?? accountIds.map((accountId) => ({ provider: 'aws', accountId, tags: {} })),
    identities,
    credentials,
    policies: [...policies.values()],
    attachments,
    accessAdvisor: spec.accessAdvisor ?? [],
    usage: spec.usage ?? [],
    unmappedEvents: [],
    ingested: [],
    coverage: [],
  };
}

/** Writes the scenario (and any earlier scans) to a fresh in-memory store and builds the facts of the last scan. */
export async function scenario(
  spec: ScenarioSpec,
  options: { config?: KeywardenConfig; windowDays?: number; earlier?: ScenarioSpec[]; asOf?: Date } = {},
): Promise<ScanFacts & { store: Store }> {
  const store = openStore(':memory:');
  for (const earlier of options.earlier ?? []) store.writeScan(snapshotOf(earlier), earlier.extras);
  const scanId = store.writeScan(snapshotOf(spec), spec.extras);
  const catalog = await loadAwsActionCatalog();
  const facts = scanFacts(store, catalog, options.config ?? testConfig(), {
    scanId,
    window: windowEndingAt(options.asOf ?? AS_OF, options.windowDays ?? 90),
  });
  return { ...facts, store };
}

export { DEFAULT_CONFIG };
