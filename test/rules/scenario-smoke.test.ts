import { describe, expect, it } from 'vitest';
import { scenario, PROD, STAGING } from '../helpers/scenario.js';

describe('rule scenarios run through the real store and facts', () => {
  it('resolves environment, agent attribution and the grant', async () => {
    const { context } = await scenario({
      identities: [
        { arn: `arn:aws:iam::${PROD}:role/ops-agent`, tags: { agent: 'ops' }, policies: [{ name: 'admin', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }] },
        { arn: `arn:aws:iam::${STAGING}:user/ci`, policies: [] },
      ],
    });
    const [ops, ci] = context.identities;
    expect(ops!.environment.environment).toBe('production');
    expect(ops!.agent.agent).toBe(true);
    expect(ops!.grant.actions.size).toBe(context.catalog.size);
    expect(ci!.environment.environment).toBe('staging');
    expect(ci!.agent.agent).toBe(false);
    expect(context.resourceEnvironment('arn:aws:s3:::acme-prod-data').environment).toBe('production');
  });
});
