/** File importer for AWS IAM CLI exports (see docs/export-layout.md). */
export { readAccountExports, type AccountExportsRead } from './read-account-exports.js';
export { toSnapshotParts, type SnapshotParts } from './to-snapshot-parts.js';
export type { AccountExport, AccessAdvisorExport, AuthorizationDetailsExport, CredentialReportExport } from './account-export.js';
export { ExportFileError } from './export-file.js';
export { canonicalJson, policyHash } from '../../../model/policy-hash.js';
export { decodePolicyDocument, PolicyDocumentError } from './policy-document.js';
