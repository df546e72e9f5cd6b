/**
 * Cloud Audit Logs -> usage per (service account, key, permission, UTC day):
 * each `authorizationInfo[]` entry is one permission check, counted as used
 * when `granted` and as denied otherwise. Entries by people are skipped;
 * entries repeated in one read (same logName + insertId) count once.
 */
import type { UsageDay } from '../../../model/domain.js';
import type { GcpLogCursor } from '../../../model/gcp.js';
import type { GcpAuditLogEntryWire } from '../../../model/gcp-wire.js';

export interface AuditLogUsage {
  usage: UsageDay[];
  userAgents: { identityArn: string; userAgent: string; count: number; lastSeen: string }[];
  /** Audit entries by service accounts that were counted. */
  entries: number;
  /** Entries skipped because an earlier read already counted them. */
  alreadyCounted: number;
  /** Where reading has got to after this read (undefined: nothing was read). */
  cursor?: { timestamp: string; insertIds: string[] };
}

const SERVICE_ACCOUNT_EMAIL = /@[a-z0-9-]+\.(iam\.)?gserviceaccount\.com$|@appspot\.gserviceaccount\.com$|@developer\.gserviceaccount\.com$/;

/**
 * `cursor`: what earlier reads of the project counted (entries at or before
 * its instant, and those at it with a known insertId, are skipped), so
 * overlapping reads never count an entry twice.
 */
export function aggregateAuditLogs(entries: readonly GcpAuditLogEntryWire[], cursor?: Pick<GcpLogCursor, 'timestamp' | 'insertIds'>): AuditLogUsage {
  const before = cursor && new Date(cursor.timestamp).toISOString();
  const atCursor = new Set(cursor?.insertIds ?? []);
  let alreadyCounted = 0;
  let newest: { timestamp: string; insertIds: string[] } | undefined;
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
    const lastSeen = new Date(at).toISOString();
    if (before !== undefined && (lastSeen < before || (lastSeen === before && (!entry.insertId || atCursor.has(entry.insertId))))) {
      alreadyCounted++;
      continue;
    }
    counted++;
    if (!newest || lastSeen > newest.timestamp) newest = { timestamp: lastSeen, insertIds: [] };
    if (lastSeen === newest.timestamp && entry.insertId) newest.insertIds.push(entry.insertId);
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
  const next = newest && before === newest.timestamp ? { ...newest, insertIds: [...atCursor, ...newest.insertIds] } : newest;
  return { usage: [...usage.values()], userAgents: [...agents.values()], entries: counted, alreadyCounted, cursor: next };
}
