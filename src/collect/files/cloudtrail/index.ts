/** CloudTrail log files -> UsageDay aggregates, coverage and ingest bookkeeping. */
export { discoverCloudTrailFiles, isNonEventCloudTrailFile, accountIdFromCloudTrailPath } from './discover.js';
export {
  ingestCloudTrailFiles,
  ingestCloudTrailFile,
  type CloudTrailIngestOptions,
  type CloudTrailIngestResult,
  type CloudTrailIngestStats,
  type CloudTrailFileResult,
  type CloudTrailSource,
} from './ingest.js';
export {
  CloudTrailAggregate,
  AGGREGATE_FIELDS,
  attributeIdentity,
  isAccessDenied,
  normaliseEventTime,
  MAX_USER_AGENTS_PER_IDENTITY,
  emptyCloudTrailStats,
  type CloudTrailDaySeen,
  type CloudTrailStats,
  type IdentityUserAgents,
} from './aggregate.js';
export { readCloudTrailFile, readCloudTrailStream, CloudTrailFileError, type CloudTrailFileRead } from './read-file.js';
export {
  CloudTrailRecordReader,
  CloudTrailParseError,
  ALL_CLOUDTRAIL_FIELDS,
  type CloudTrailFieldPath,
  type CloudTrailRecordReaderOptions,
} from './record-reader.js';
export {
  pickRecordFields,
  type CloudTrailRecordFields,
  type CloudTrailUserIdentity,
  type CloudTrailSessionIssuer,
} from './record-fields.js';
