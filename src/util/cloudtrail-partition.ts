/**
 * The partition a CloudTrail file or S3 object belongs to: the account,
 * region and day of its key, `…AWSLogs/[o-org/]<account>/CloudTrail/<region>/
 * <yyyy>/<mm>/<dd>/<file>`, or of a file named `<account>_CloudTrail_<region>_
 * <yyyymmdd>T…` outside that tree. Athena partitions CloudTrail the same way,
 * so a partition is the unit one source (local files, or a query) owns.
 */
export function cloudTrailPartitionOfPath(location: string): { accountId: string; region: string; day: string } | undefined {
  const normalised = location.replaceAll('\\', '/');
  const dir = /AWSLogs\/(?:o-[a-z0-9]+\/)?(\d{12})\/CloudTrail\/([a-z0-9-]+)\/(\d{4})\/(\d{2})\/(\d{2})\/[^/]+$/.exec(normalised);
  if (dir) return { accountId: dir[1]!, region: dir[2]!, day: `${dir[3]}-${dir[4]}-${dir[5]}` };
  const name = /(?:^|\/)(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{4})(\d{2})(\d{2})T[^/]*$/.exec(normalised);
  return name ? { accountId: name[1]!, region: name[2]!, day: `${name[3]}-${name[4]}-${name[5]}` } : undefined;
}
