/**
 * Finds CloudTrail log files under a folder: the S3 export layout
 * `AWSLogs/[o-org/]<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/` or any
 * folder of `.json` / `.json.gz` files. Digest files (integrity manifests)
 * and Insights files hold no API events and are left out.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

const LOG_FILE = /\.json(?:\.gz)?$/i;

/** True for CloudTrail digest and Insights files, which are not API-event logs. */
export function isNonEventCloudTrailFile(file: string): boolean {
  return /CloudTrail-Digest|CloudTrail-Insight/i.test(file);
}

/** Account id a CloudTrail file belongs to, from its S3 key or file name, when they say. */
export function accountIdFromCloudTrailPath(file: string): string | undefined {
  const normalised = file.split(path.sep).join('/');
  return (
    /(?:^|\/)(\d{12})_CloudTrail_[^/]*$/.exec(normalised)?.[1] ??
    /(?:^|\/)AWSLogs\/(?:o-[a-z0-9]+\/)?(\d{12})\/CloudTrail\//.exec(normalised)?.[1]
  );
}

/** All CloudTrail event files under root (or root itself if it is a file), sorted by path. */
export async function discoverCloudTrailFiles(root: string): Promise<string[]> {
  let rootStat;
  try {
    rootStat = await stat(root);
  } catch (err) {
    throw new Error(`CloudTrail folder ${root} cannot be read: ${(err as Error).message}`);
  }
  if (rootStat.isFile()) return LOG_FILE.test(root) && !isNonEventCloudTrailFile(root) ? [root] : [];

  const files: string[] = [];
  const visited = new Set<string>();
  async function walk(dir: string): Promise<void> {
    const real = await realpath(dir);
    if (visited.has(real)) return; // symlink loop
    visited.add(real);
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      throw new Error(`CloudTrail folder ${dir} cannot be listed: ${(err as Error).message}`);
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const target = await stat(full).catch(() => undefined);
        isDir = target?.isDirectory() ?? false;
        // A dangling link named like a log file is kept, so reading it fails loudly as a gap.
        isFile = target?.isFile() ?? true;
      }
      if (isDir) {
        if (!isNonEventCloudTrailFile(entry.name)) await walk(full);
      } else if (isFile && LOG_FILE.test(entry.name) && !isNonEventCloudTrailFile(entry.name)) {
        files.push(full);
      }
    }
  }
  await walk(root);
  return files.sort();
}
