/**
 * A small, realistic GCP organisation for tests: a production and a
 * non-production folder, three projects, the usual mistakes (default
 * compute account with Editor, a staging CI account with Editor in
 * production and a year-old key that never expires, a folder-level
 * Service Account User binding, an IAM bot partly fenced by a deny policy)
 * and usage evidence from all three sources.
 */
import type { OrgSpec } from './gcp-org.js';

export const ACME_AS_OF = new Date('2026-11-15T12:00:00Z');

export const ORG_ID = '400000000001';
export const CI = 'ci-deployer@acme-data-staging.iam.gserviceaccount.com';
export const DEFAULT_COMPUTE = '700000000001-compute@developer.gserviceaccount.com';
export const BILLING = 'billing-exporter@acme-payments-prod.iam.gserviceaccount.com';
export const OLD_ETL = 'old-etl@acme-data-staging.iam.gserviceaccount.com';
export const IAM_BOT = 'iam-bot@acme-payments-prod.iam.gserviceaccount.com';
export const SANDBOX_AGENT = 'agent-runner@acme-sandbox-ml.iam.gserviceaccount.com';

export const acmeGcp: OrgSpec = {
  organization: {
    id: ORG_ID,
    displayName: 'acme.example',
    bindings: [
      { role: 'roles/owner', members: ['group:gcp-admins@acme.example'] },
      { role: 'roles/iam.securityReviewer', members: [`serviceAccount:${IAM_BOT}`] },
    ],
    customRoles: [
      {
        name: `organizations/${ORG_ID}/roles/iamManager`,
        title: 'IAM Manager (automation)',
        etag: 'BwYa3k9QmC0=',
        stage: 'GA',
        includedPermissions: ['iam.roles.get', 'iam.roles.list', 'iam.roles.update', 'resourcemanager.projects.getIamPolicy', 'resourcemanager.projects.setIamPolicy'],
      },
    ],
  },
  folders: [
    {
      id: '500000000001',
      displayName: 'production',
      parent: `organizations/${ORG_ID}`,
      bindings: [{ role: 'roles/iam.serviceAccountUser', members: [`serviceAccount:${CI}`] }],
    },
    { id: '500000000002', displayName: 'non-production', parent: `organizations/${ORG_ID}`, bindings: [] },
  ],
  projects: [
    {
      id: 'acme-payments-prod',
      number: '700000000001',
      name: 'Acme Payments',
      parent: 'folders/500000000001',
      labels: { env: 'production', team: 'payments' },
      bindings: [
        { role: 'roles/editor', members: [`serviceAccount:${DEFAULT_COMPUTE}`, `serviceAccount:${CI}`] },
        { role: 'roles/bigquery.dataViewer', members: [`serviceAccount:${BILLING}`] },
        { role: `organizations/${ORG_ID}/roles/iamManager`, members: [`serviceAccount:${IAM_BOT}`] },
      ],
      deny: [
        {
          id: 'no-policy-rewrites-by-bots',
          deniedPrincipals: [`principal://iam.googleapis.com/projects/-/serviceAccounts/${IAM_BOT}`],
          deniedPermissions: ['cloudresourcemanager.googleapis.com/projects.setIamPolicy'],
        },
      ],
      serviceAccounts: [
        { id: DEFAULT_COMPUTE, displayName: 'Compute Engine default service account', lastAuthDaysAgo: 2, keys: [{ id: 'a1c0ffee00000000000000000000000000000001', type: 'SYSTEM_MANAGED', createdDaysAgo: 10, expiresInDays: 20 }] },
        {
          id: 'billing-exporter',
          displayName: 'Billing export to BigQuery',
          lastAuthDaysAgo: 1,
          keys: [{ id: 'b2c0ffee00000000000000000000000000000002', createdDaysAgo: 20, expiresInDays: 70, lastAuthDaysAgo: 1 }],
        },
        { id: 'iam-bot', displayName: 'IAM automation', lastAuthDaysAgo: 3 },
      ],
      tags: [{ key: 'environment', value: 'production', inherited: true }],
      recommendations: [{ sa: CI, role: 'roles/editor', replaceWith: ['roles/iam.serviceAccountUser', 'roles/run.developer'] }],
      insights: [
        { sa: 'billing-exporter', role: 'roles/bigquery.dataViewer', exercised: ['bigquery.tables.getData', 'bigquery.tables.get'], total: 0 },
      ],
      logs: [
        { sa: 'billing-exporter', key: 'b2c0ffee00000000000000000000000000000002', permissions: [{ permission: 'bigquery.tables.getData', granted: true }], daysAgo: 1, method: 'google.cloud.bigquery.v2.TableDataService.List', userAgent: 'gcloud-python/3.25 billing-exporter' },
        { sa: CI, key: 'c3c0ffee00000000000000000000000000000003', permissions: [{ permission: 'run.services.update', granted: true }, { permission: 'iam.serviceAccounts.actAs', granted: true }], daysAgo: 3, method: 'google.cloud.run.v2.Services.UpdateService', userAgent: 'google-github-actions/deploy-cloudrun' },
      ],
    },
    {
      id: 'acme-data-staging',
      number: '700000000002',
      name: 'Acme Data (staging)',
      parent: 'folders/500000000002',
      labels: { env: 'staging' },
      bindings: [
        { role: 'roles/storage.admin', members: [`serviceAccount:${OLD_ETL}`] },
        { role: 'roles/run.developer', members: [`serviceAccount:${CI}`] },
      ],
      serviceAccounts: [
        {
          id: 'ci-deployer',
          displayName: 'CI deployer (GitHub Actions)',
          lastAuthDaysAgo: 3,
          keys: [{ id: 'c3c0ffee00000000000000000000000000000003', createdDaysAgo: 400, lastAuthDaysAgo: 3 }],
        },
        {
          id: 'old-etl',
          displayName: 'Legacy ETL',
          lastAuthDaysAgo: 200,
          keys: [{ id: 'd4c0ffee00000000000000000000000000000004', createdDaysAgo: 500, lastAuthDaysAgo: 200 }],
        },
      ],
      insights: [{ sa: 'old-etl', role: 'roles/storage.admin', exercised: [], total: 0 }],
      tags: [{ key: 'environment', value: 'staging' }],
      recommendations: [
        { sa: 'old-etl', role: 'roles/storage.admin', replaceWith: [] },
        { sa: 'ci-deployer', role: 'roles/run.developer', replaceWith: ['roles/run.invoker'], state: 'DISMISSED' },
      ],
    },
    {
      id: 'acme-sandbox-ml',
      number: '700000000003',
      name: 'ML sandbox',
      parent: 'folders/500000000002',
      bindings: [{ role: 'roles/aiplatform.user', members: [`serviceAccount:${SANDBOX_AGENT}`] }],
      serviceAccounts: [{ id: 'agent-runner', displayName: 'LLM agent runner', lastAuthDaysAgo: 0 }],
      omit: ['recommender-insights.json', 'recommender-recommendations.json', 'effective-tags.json'],
    },
  ],
};
