/** Builds snapshot-shaped policies and attachments for effective-grant tests. */
import { createHash } from 'node:crypto';
import type { AttachmentKind, PolicyAttachment, StoredPolicy } from '../../../src/model/domain.js';
import type { PolicyDocument, PolicyStatement } from '../../../src/model/policy.js';

export const hashOf = (document: unknown): string =>
  createHash('sha256').update(typeof document === 'string' ? document : JSON.stringify(document)).digest('hex');

export const doc = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement });

export interface TestPolicy {
  name: string;
  kind?: AttachmentKind;
  groupName?: string;
  arn?: string;
  document: unknown;
}

/** Attachments for one identity plus the policy map they point into. */
export function principal(identityArn: string, ...policies: TestPolicy[]) {
  const map = new Map<string, StoredPolicy>();
  const attachments: PolicyAttachment[] = policies.map((p) => {
    const hash = hashOf(p.document);
    map.set(hash, { hash, document: p.document as PolicyDocument });
    const attachment: PolicyAttachment = { identityArn, policyHash: hash, kind: p.kind ?? 'managed', policyName: p.name };
    if (p.arn) attachment.policyArn = p.arn;
    if (p.groupName) attachment.groupName = p.groupName;
    return attachment;
  });
  return { identityArn, attachments, policies: map };
}
