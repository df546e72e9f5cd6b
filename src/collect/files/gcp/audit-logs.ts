/**
 * Cloud Audit Logs -> usage per (service account, key, permission, UTC day):
 * each `authorizationInfo[]` entry is one permission check, counted as used
 * when `granted` and as denied otherwise. Entries by people are skipped;
 * entries repeated in one read (same logName + insertId) count once.
 */
import type { UsageDay } from '../../../model/domain.js';
import type { GcpAuditLogEntryWire } from '../../../model/gcp-wire.js';

export interface AuditLogUsage {
  usage: UsageDay[];
  userAgents: { identityArn: string; userAgent: string; count: number; lastSeen: string }[];
  /** Audit entries by service accounts that were read. */
  entries: number;
}

const SERVICE_ACCOUNT_EMAIL = /@[a-z0-9-]+\.(iam\.)?gserviceaccount\.com$|@appspot\.gserviceaccount\.com$|@developer\.gserviceaccount\.com$/;

export function aggregateAuditLogs(entries: readonly GcpAuditLogEntryWire[]): AuditLogUsage {
  const seen = new Set<string>();
  const usage = new Map<string, UsageDay>();
  const agents = new Map<string, AuditLogUsage['userAgents'][number]>();
  let counted = 0;
  for (const entry of entries) {
    const payload = entry?.protoPayload;
    const email = payload?.authenticationInfo?.principalEmail?.toLowerCase();
    const at = entry.timestamp ?? entry.receiveTimestamp;
    if (!payload || !email || !SERVICE_ACCOUNT_EMAIL.test(email) || !at || Number.isNaN(Date.parse(at))) continue;
    const id = entry.insertId ? `${entry.logName ?? ''}\u0000${entry.insertId}` : undefined;
    if (id !== undefined) {
      if (seen.has(id)) continue;
      seen.add(id);
    }
    counted++;
    const lastSeen = new Date(at).toISOString();
    const day = lastSeen.slice(0, 10);
    const keyName = payload.authenticationInfo?.serviceAccountKeyName ?? '';
    const credentialId = keyName ? keyName.slice(keyName.lastIndexOf('/') + 1) : '';
    for (const check of payload.authorizationInfo ?? []) {
      if (!check?.permission) continue;
      const key = [email, credentialId, check.permission, day].join('\u0000');
      let row = usage.get(key);
      if (!row) usage.set(key, (row = { identityArn: email, credentialId, action: check.permission, day, count: 0, denied: 0, lastSeen }));
      if (check.granted === true) row.count++;
      else row.denied++;
      if (lastSeen > row.lastSeen) row.lastSeen = lastSeen;
    }
    const ua = payload.requestMetadata?.callerSuppliedUserAgent;
    if (ua) {
      const k = `${email}\u0000${ua}`;
      const a = agents.get(k) ?? { identityArn: email, userAgent: ua, count: 0, lastSeen };
      a.count++;
      if (lastSeen > a.lastSeen) a.lastSeen = lastSeen;
      agents.set(k, a);
    }
  }
  return { usage: [...usage.values()], userAgents: [...agents.values()], entries: counted };
}
