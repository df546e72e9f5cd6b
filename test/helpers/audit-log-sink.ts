/**
 * Cloud Audit Log entries as a log sink writes them to BigQuery: the
 * LogEntry fields under their own names, the AuditLog payload under
 * `protopayload_auditlog` (Cloud Logging's name for a payload of type
 * google.cloud.audit.AuditLog), one newline-delimited JSON row per entry.
 */
import { writeFileSync } from 'node:fs';
import type { GcpAuditLogEntryWire } from '../../src/model/gcp-wire.js';

export function sinkRow(entry: GcpAuditLogEntryWire): Record<string, unknown> {
  const p = entry.protoPayload;
  return {
    logName: entry.logName ?? null,
    insertId: entry.insertId ?? null,
    timestamp: entry.timestamp ?? null,
    receiveTimestamp: entry.receiveTimestamp ?? null,
    resource: entry.resource ?? null,
    protopayload_auditlog: p
      ? {
          serviceName: p.serviceName ?? null,
          methodName: p.methodName ?? null,
          resourceName: p.resourceName ?? null,
          status: p.status ?? null,
          authenticationInfo: p.authenticationInfo ? { principalEmail: p.authenticationInfo.principalEmail ?? null, serviceAccountKeyName: p.authenticationInfo.serviceAccountKeyName ?? null } : null,
          authorizationInfo: (p.authorizationInfo ?? []).map((a) => ({ resource: a.resource ?? null, permission: a.permission ?? null, granted: a.granted ?? null })),
          requestMetadata: p.requestMetadata ?? null,
        }
      : null,
  };
}

export function writeSinkRows(file: string, entries: readonly GcpAuditLogEntryWire[]): string {
  writeFileSync(file, entries.map((e) => JSON.stringify(sinkRow(e))).join('\n') + '\n');
  return file;
}

const logName = (project: string, log = 'activity') => `projects/${project}/logs/cloudaudit.googleapis.com%2F${log}`;

/**
 * Entries that exercise every rule of the aggregation: keys, denied and
 * unanswered checks, an empty permission, an entry without checks, people,
 * an upper-case service account, a delivery repeated (same insertId), entries
 * without insertId, Data Access and folder-level logs, days apart.
 */
export function variedAuditEntries(project: string, day: string): GcpAuditLogEntryWire[] {
  const sa = `etl@${project}.iam.gserviceaccount.com`;
  const at = (hh: string, d = day) => `${d}T${hh}:00:00.123456Z`;
  const entry = (over: Partial<GcpAuditLogEntryWire> & { email?: string; checks?: { permission?: string; granted?: boolean }[]; key?: string; userAgent?: string | null }): GcpAuditLogEntryWire => ({
    logName: over.logName ?? logName(project),
    insertId: over.insertId,
    timestamp: over.timestamp ?? at('10'),
    receiveTimestamp: over.timestamp ?? at('10'),
    resource: { type: 'project', labels: { project_id: project } },
    protoPayload: {
      '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
      serviceName: 'storage.googleapis.com',
      methodName: 'storage.objects.get',
      authenticationInfo: { principalEmail: over.email ?? sa, ...(over.key && { serviceAccountKeyName: `//iam.googleapis.com/projects/${project}/serviceAccounts/${sa}/keys/${over.key}` }) },
      authorizationInfo: over.checks ?? [{ permission: 'storage.objects.get', granted: true }],
      requestMetadata: over.userAgent === null ? {} : { callerSuppliedUserAgent: over.userAgent ?? 'etl/1.0' },
      status: {},
    },
  });
  const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return [
    entry({ insertId: 'a1' }),
    entry({ insertId: 'a1' }), // delivered twice: counted once
    entry({ insertId: 'a1', logName: logName(project, 'data_access') }), // same insertId in another log: counted
    entry({ insertId: 'a2', key: 'k0ffee', timestamp: at('11') }),
    entry({ insertId: 'a3', checks: [{ permission: 'storage.objects.create', granted: false }, { permission: 'storage.objects.delete' }, { permission: '' }, {}] }),
    entry({ insertId: 'a4', checks: [], userAgent: 'google-cloud-sdk gcloud/460.0.0' }),
    entry({ insertId: 'a5', email: 'alice@example.com' }),
    entry({ insertId: 'a5b', userAgent: '' }),
    entry({ insertId: 'a5c', userAgent: null }),
    entry({ insertId: 'a6', email: `ETL@${project.toUpperCase()}.IAM.GSERVICEACCOUNT.COM`, timestamp: at('12') }),
    entry({ insertId: 'a7', email: `${project}@appspot.gserviceaccount.com` }),
    entry({ insertId: 'a8', email: '123456-compute@developer.gserviceaccount.com', timestamp: at('23', day).replace('00:00.123456', '59:59.999999') }),
    entry({ email: sa, timestamp: at('13') }), // no insertId: never deduplicated
    entry({ email: sa, timestamp: at('13') }),
    entry({ insertId: 'a9', timestamp: at('00', next), logName: logName(project, 'data_access'), checks: [{ permission: 'bigquery.tables.getData', granted: true }] }),
    entry({ insertId: `b1-${project}`, logName: 'folders/500000000001/logs/cloudaudit.googleapis.com%2Factivity', checks: [{ permission: 'resourcemanager.folders.setIamPolicy', granted: true }] }),
  ];
}
