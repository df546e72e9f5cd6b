/**
 * Pure transform of one account's IAM export into the domain types the rest
 * of keywarden speaks (model/domain.ts).
 */
import type {
  AccessAdvisorReport,
  AccountInfo,
  CoverageEntry,
  Credential,
  Identity,
  PolicyAttachment,
  StoredPolicy,
} from '../../../model/domain.js';
import type { AccountExport } from './account-export.js';
import { accessAdvisorToParts } from './access-advisor-transform.js';
import { accountScope } from './arn.js';
import { authorizationDetailsToParts } from './authorization-details-transform.js';
import { credentialReportToParts } from './credential-report-transform.js';
import { PolicyCollector } from './policy-collector.js';

export interface SnapshotParts {
  account: AccountInfo;
  identities: Identity[];
  credentials: Credential[];
  policies: StoredPolicy[];
  attachments: PolicyAttachment[];
  accessAdvisor: AccessAdvisorReport[];
  coverage: CoverageEntry[];
}

export function toSnapshotParts(exported: AccountExport): SnapshotParts {
  const { accountId } = exported;
  const scope = accountScope(accountId);
  const policies = new PolicyCollector();
  const coverage: CoverageEntry[] = [...exported.coverage];
  const identities: Identity[] = [];
  const attachments: PolicyAttachment[] = [];
  const credentials: Credential[] = [];

  let known: Identity[] | undefined;
  if (exported.authorizationDetails) {
    const parts = authorizationDetailsToParts(exported.authorizationDetails, accountId, policies);
    identities.push(...parts.identities);
    attachments.push(...parts.attachments);
    coverage.push(...parts.coverage);
    known = parts.identities;
  } else {
    coverage.push({
      scope,
      source: 'authorization-details',
      status: 'gap',
      reason: `no usable iam-get-account-authorization-details*.json in ${exported.dir}: identities and granted permissions unknown`,
      detail: { dir: exported.dir },
    });
  }

  if (exported.credentialReport) {
    const parts = credentialReportToParts(exported.credentialReport, accountId, known);
    identities.push(...parts.identities);
    credentials.push(...parts.credentials);
    coverage.push(...parts.coverage);
  } else {
    coverage.push({
      scope,
      source: 'credential-report',
      status: 'gap',
      reason: `no usable credential report (iam-get-credential-report.json or credential-report.csv) in ${exported.dir}: access keys and passwords unknown`,
      detail: { dir: exported.dir },
    });
  }

  const advisor = accessAdvisorToParts(exported.accessAdvisor, accountId, known && identities);
  coverage.push(...advisor.coverage);

  return {
    account: {
      provider: 'aws',
      accountId,
      ...(exported.alias ? { alias: exported.alias } : {}),
      tags: { ...exported.tags },
    },
    identities,
    credentials,
    policies: policies.policies(),
    attachments,
    accessAdvisor: advisor.reports,
    coverage,
  };
}
