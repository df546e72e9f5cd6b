/**
 * Service accounts and user-managed keys not authenticated within the window,
 * from Activity Analyzer and audit logs. Without Activity Analyzer data for
 * the project silence proves nothing: not applicable, and the coverage gap
 * fails CI on its own.
 */
import { isInWindow } from '../../analyse/window.js';
import type { FindingDraft, Rule } from '../rule.js';
import { keyEvidence, perServiceAccount, userManagedKeys } from './gcp-rule.js';

export const gcpUnusedCredential: Rule = {
  id: 'gcp.unused-credential',
  title: 'Service account or key not used within the window',
  severity: 'medium',
  description:
    'Flags enabled service accounts with no authentication in the window, and enabled user-managed keys with none, from Policy Analyzer Activity Analyzer (serviceAccountLastAuthentication, serviceAccountKeyLastAuthentication) and Cloud Audit Logs.',
  risk: 'An unused credential is all risk and no value: nobody notices when it is stolen and used.',
  remediation: 'Disable the key or service account, watch for breakage over a few days, then delete it (service accounts can be undeleted for 30 days).',
  references: ['https://cloud.google.com/iam/docs/service-account-recent-usage'],
  evaluate: perServiceAccount((facts, _gcp, ctx) => {
    if (facts.disabled) return { notApplicable: 'service account is disabled' };
    if (!facts.authenticationObserved.serviceAccount && !facts.authenticationObserved.keys) {
      return { notApplicable: 'no Activity Analyzer data for this project: use is unknown' };
    }
    const findings: FindingDraft[] = [];
    const last = facts.lastAuthenticated;
    if (facts.authenticationObserved.serviceAccount && !(last && isInWindow(last.at, ctx.window))) {
      findings.push({
        severity: 'medium',
        title: `service account not authenticated since ${last ? last.at.slice(0, 10) : 'before observation began'} (window ${ctx.window.days} days)`,
        granular: 'ServiceAccount',
        evidence: [
          {
            kind: 'usage',
            summary: last ? `last authenticated ${last.at} (${last.source})` : 'no authentication recorded by Activity Analyzer or audit logs',
            detail: { lastAuthenticated: last?.at, source: last?.source, window: ctx.window },
          },
        ],
      });
    }
    if (facts.authenticationObserved.keys) {
      for (const key of userManagedKeys(facts)) {
        if (key.lastAuthenticated && isInWindow(key.lastAuthenticated, ctx.window)) continue;
        findings.push({
          severity: 'medium',
          title: `key ${key.credential.id} not used within the window`,
          credentialId: key.credential.id,
          granular: `Key::${key.credential.id}`,
          evidence: [keyEvidence(key, 'no authentication in the window')],
        });
      }
    }
    return findings;
  }),
};
