/** Gathers policy documents by content hash so each distinct document is stored once. */
import type { StoredPolicy } from '../../../model/domain.js';
import type { PolicyDocument } from '../../../model/policy.js';
import { policyHash } from '../../../model/policy-hash.js';

export class PolicyCollector {
  private readonly byHash = new Map<string, StoredPolicy>();

  add(document: PolicyDocument): string {
    const hash = policyHash(document);
    if (!this.byHash.has(hash)) this.byHash.set(hash, { hash, document });
    return hash;
  }

  policies(): StoredPolicy[] {
    return [...this.byHash.values()];
  }
}
