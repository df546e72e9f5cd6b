/**
 * Pure mapping of Access Advisor results into per-principal reports. A job
 * that did not complete is a gap for its principal, never an empty report
 * (an empty report would read as "used nothing").
 */
import type { AccessAdvisorReport, AccessAdvisorService, CoverageEntry, Identity } from '../../../model/domain.js';
import type { WireServiceLastAccessed } from '../../../model/aws-wire.js';
import type { AccessAdvisorExport } from './account-export.js';
import { accountScope, iamResourceType, identityScope } from './arn.js';
import { checkedTimestamp } from './timestamps.js';

const SOURCE = 'access-advisor';

export interface AccessAdvisorParts {
  reports: AccessAdvisorReport[];
  coverage: CoverageEntry[];
}

function toService(service: WireServiceLastAccessed, onBadDate: (field: string, raw: string) => void): AccessAdvisorService {
  const namespace = service.ServiceNamespace ?? '';
  const lastAuthenticated = checkedTimestamp(service.LastAuthenticated, (raw) => onBadDate(`${namespace} LastAuthenticated`, raw));
  const tracked = service.TrackedActionsLastAccessed;
  return {
    namespace,
    ...(service.ServiceName ? { name: service.ServiceName } : {}),
    ...(lastAuthenticated ? { lastAuthenticated } : {}),
    ...(service.LastAuthenticatedRegion ? { lastAuthenticatedRegion: service.LastAuthenticatedRegion } : {}),
    ...(tracked
      ? {
          trackedActions: tracked.map((t) => {
            const name = t.ActionName ?? '';
            const lastAccessed = checkedTimestamp(t.LastAccessedTime, (raw) => onBadDate(`${namespace}:${name} LastAccessedTime`, raw));
            return {
              // Access Advisor names the action without its service; usage elsewhere is `service:Action`.
              action: name.includes(':') ? name : `${namespace}:${name}`,
              ...(lastAccessed ? { lastAccessed } : {}),
              ...(t.LastAccessedRegion ? { region: t.LastAccessedRegion } : {}),
            };
          }),
        }
      : {}),
  };
}

function describe(entry: AccessAdvisorExport): string {
  return entry.jobFile ? `${entry.file} (job from ${entry.jobFile})` : entry.file;
}

export function accessAdvisorToParts(
  results: AccessAdvisorExport[],
  accountId: string,
  /** Identities of the account; undefined when authorization details are missing. */
  identities: Identity[] | undefined,
): AccessAdvisorParts {
  const coverage: CoverageEntry[] = [];
  const byIdentity = new Map<string, { report: AccessAdvisorReport; file: string }>();
  const known = new Set((identities ?? []).map((i) => i.arn));

  for (const entry of results) {
    const { result, principalArn } = entry;
    const scope = identityScope(accountId, principalArn);
    const file = describe(entry);
    const type = iamResourceType(principalArn);
    if (type !== 'user' && type !== 'role') {
      coverage.push({
        scope,
        source: SOURCE,
        status: 'partial',
        reason: `${file}: Access Advisor for ${type ?? 'a non-IAM'} ${principalArn} speaks for no single principal; not used`,
        detail: { file: entry.file },
      });
      continue;
    }
    if (result.JobStatus !== 'COMPLETED') {
      const error = result.Error ? `: ${[result.Error.Code, result.Error.Message].filter(Boolean).join(' ')}` : '';
      coverage.push({
        scope,
        source: SOURCE,
        status: 'gap',
        reason: `${file}: Access Advisor job${entry.jobId ? ` ${entry.jobId}` : ''} is ${result.JobStatus ?? 'without status'}${error}; usage of ${principalArn} unknown`,
        detail: { file: entry.file, jobStatus: result.JobStatus },
      });
      continue;
    }
    const onBadDate = (field: string, raw: string) =>
      coverage.push({
        scope,
        source: SOURCE,
        status: 'partial',
        reason: `${file}: ${field} ${JSON.stringify(raw)} is not a date; left unknown`,
        detail: { file: entry.file },
      });
    const services = (result.ServicesLastAccessed ?? []).map((s) => toService(s, onBadDate));
    const actionLevel = result.JobType === 'ACTION_LEVEL' || services.some((s) => s.trackedActions !== undefined);
    const completedAt = checkedTimestamp(result.JobCompletionDate, (raw) => onBadDate('JobCompletionDate', raw));
    const report: AccessAdvisorReport = {
      identityArn: principalArn,
      ...(entry.jobId ? { jobId: entry.jobId } : {}),
      granularity: actionLevel ? 'ACTION_LEVEL' : 'SERVICE_LEVEL',
      ...(completedAt ? { completedAt } : {}),
      services,
    };
    if (result.IsTruncated === true) {
      coverage.push({
        scope,
        source: SOURCE,
        status: 'partial',
        reason: `${file}: result is truncated (IsTruncated); services beyond this page are missing`,
        detail: { file: entry.file },
      });
    }
    if (identities && !known.has(principalArn)) {
      coverage.push({
        scope,
        source: SOURCE,
        status: 'partial',
        reason: `${file}: principal ${principalArn} is not in the authorization details; report kept`,
        detail: { file: entry.file },
      });
    }
    const previous = byIdentity.get(principalArn);
    if (previous) {
      // Two results for one principal (both layouts exported): the later job speaks for more time.
      const keepNew = (report.completedAt ?? '') > (previous.report.completedAt ?? '');
      const [kept, dropped] = keepNew ? [entry.file, previous.file] : [previous.file, entry.file];
      coverage.push({
        scope,
        source: SOURCE,
        status: 'ok',
        reason: `two Access Advisor results for ${principalArn}: using ${kept}, ignoring the older ${dropped}`,
        detail: { kept, ignored: dropped },
      });
      if (!keepNew) continue;
    }
    byIdentity.set(principalArn, { report, file: entry.file });
  }

  const reports = [...byIdentity.values()].map((v) => v.report);
  const principals = (identities ?? []).filter((i) => i.kind === 'user' || i.kind === 'role');
  const missing = principals.filter((p) => !byIdentity.has(p.arn)).map((p) => p.arn);
  if (reports.length === 0) {
    coverage.unshift({
      scope: accountScope(accountId),
      source: SOURCE,
      status: 'gap',
      reason: 'no usable Access Advisor results in the export: service-level usage unknown',
      detail: { principals: principals.length },
    });
  } else {
    coverage.unshift({
      scope: accountScope(accountId),
      source: SOURCE,
      status: missing.length > 0 ? 'partial' : 'ok',
      ...(missing.length > 0 ? { reason: `no Access Advisor result for ${missing.length} of ${principals.length} users and roles` } : {}),
      detail: { reports: reports.length, ...(missing.length > 0 ? { missing } : {}) },
    });
  }
  return { reports, coverage };
}
