/**
 * What was read from one account folder of an IAM export, still in the
 * shapes the AWS CLI printed (see model/aws-wire.ts). Produced by
 * readAccountExports, consumed by the pure toSnapshotParts.
 */
import type { CoverageEntry } from '../../../model/domain.js';
import type { WireAuthorizationDetails, WireServiceLastAccessedDetails } from '../../../model/aws-wire.js';

export interface AuthorizationDetailsExport {
  /** The page files merged into `details`, in the order they were merged. */
  files: string[];
  details: WireAuthorizationDetails;
  /** Every page says another follows: at least one page is missing from the export. */
  missingPages: boolean;
}

export interface CredentialReportExport {
  file: string;
  generatedTime?: string;
  /** The report CSV, already base64-decoded where the CLI had encoded it. */
  csv: string;
}

export interface AccessAdvisorExport {
  /** The file holding the result (and, for cloudmapper's layout, the job file that named the principal). */
  file: string;
  jobFile?: string;
  /** The principal the job was generated for, from the url-encoded ARN file name. */
  principalArn: string;
  jobId?: string;
  result: WireServiceLastAccessedDetails;
}

export type AccountIdSource = 'account.json' | 'folder-name' | 'arns';

export interface AccountExport {
  /** The account folder, as reachable from the export directory given by the user. */
  dir: string;
  accountId: string;
  accountIdSource: AccountIdSource;
  alias?: string;
  tags: Record<string, string>;
  authorizationDetails?: AuthorizationDetailsExport;
  credentialReport?: CredentialReportExport;
  accessAdvisor: AccessAdvisorExport[];
  /** Problems met while reading this account's files (each names its file). */
  coverage: CoverageEntry[];
}

/** A file that could not be used, before the account it belongs to is known. */
export interface FileProblem {
  source: string;
  file: string;
  problem: string;
  status?: 'gap' | 'partial';
}
