/**
 * `keywarden collect aws`, `keywarden export aws <dir>`, and the live source
 * of `keywarden audit`: one live collection from the configured accounts,
 * written as one scan after collection ends.
 */
import { awsClientFactory, type AwsClientFactory } from '../collect/aws/clients.js';
import { copyCloudTrailObjects, storeCloudTrailCursor } from '../collect/aws/cloudtrail-s3.js';
import { collectAwsLive, HomeAccountError, trailBucketClient, type LiveAwsCollection, type LiveAwsOptions } from '../collect/aws/collect-aws.js';
import { writeAccountExport } from '../collect/aws/export-layout.js';
import type { ProgressSink } from '../collect/aws/progress.js';
import type { CoverageEntry } from '../model/domain.js';
import type { KeywardenConfig, LiveAwsConfig } from '../config/index.js';
import { terminalText } from '../util/terminal-text.js';
import type { Store } from '../store/index.js';
import { withStore, type Io } from './commands.js';
import { EXIT, UserError } from './errors.js';
import type { GlobalOptions } from './main.js';
import { createProgressRenderer } from './progress.js';

/** Lets tests point the clients at local servers; the CLI uses the config's endpoints. */
export type ClientFactoryMaker = (live: LiveAwsConfig) => AwsClientFactory;

export const defaultClientFactory: ClientFactoryMaker = (live) =>
  awsClientFactory({
    region: live.region,
    maxAttempts: live.maxAttempts,
    requestTimeoutMs: live.requestTimeoutSeconds * 1000,
    endpoints: Object.fromEntries(Object.entries(live.endpoints).filter(([, v]) => v !== undefined)),
  });

export function liveAwsOptions(live: LiveAwsConfig, store: Store | undefined, progress: ProgressSink): LiveAwsOptions {
  const poll = (seconds: number) => ({ timeoutMs: seconds * 1000, initialDelayMs: 1000, maxDelayMs: 15_000 });
  const ct = live.cloudTrail;
  return {
    ...(live.homeAccount ? { homeAccount: live.homeAccount } : {}),
    accounts: live.accounts,
    organizations: live.organizations,
    auditRole: {
      name: live.auditRole.name,
      sessionName: live.auditRole.sessionName,
      ...(live.auditRole.arn ? { arn: live.auditRole.arn } : {}),
      ...(live.auditRole.externalId ? { externalId: live.auditRole.externalId } : {}),
    },
    iam: { concurrency: live.concurrency, accessAdvisor: poll(live.accessAdvisorTimeoutSeconds), credentialReport: poll(live.credentialReportTimeoutSeconds) },
    accountConcurrency: 2,
    progress,
    ...(ct && store
      ? {
          cloudTrail: {
            bucket: ct.bucket,
            prefix: ct.prefix,
            lookbackDays: ct.lookbackDays,
            concurrency: ct.concurrency,
            cursor: storeCloudTrailCursor(store),
            ...(ct.organizationId ? { organizationId: ct.organizationId } : {}),
            ...(ct.regions ? { regions: ct.regions } : {}),
            ...(ct.bucketAccount ? { bucketAccount: ct.bucketAccount } : {}),
          },
        }
      : {}),
  };
}

function printGaps(coverage: readonly CoverageEntry[], io: Io): void {
  for (const gap of coverage.filter((c) => c.status === 'gap')) {
    io.err(`warning: ${terminalText(gap.scope)} [${terminalText(gap.source)}]: ${terminalText(gap.reason ?? 'could not be read')}\n`);
  }
}

function requireLive(config: KeywardenConfig): LiveAwsConfig {
  if (!config.liveAws) {
    throw new UserError('no liveAws section in the config: add one (see examples/keywarden.example.yaml) or use --from <export-dir>');
  }
  return config.liveAws;
}

/** Runs the collection; errors a user can fix (no credentials, wrong account) become one line. */
async function collect(live: LiveAwsConfig, store: Store | undefined, io: Io, factory: AwsClientFactory, cloudTrailFromAthena?: string): Promise<LiveAwsCollection> {
  const renderer = createProgressRenderer({ write: io.err, isTTY: process.stderr.isTTY }, { ci: Boolean(process.env.CI) });
  let result: LiveAwsCollection;
  try {
    result = await collectAwsLive(factory, { ...liveAwsOptions(live, store, renderer.sink), ...(cloudTrailFromAthena ? { cloudTrailFromAthena } : {}) });
  } catch (error) {
    if (error instanceof HomeAccountError) throw new UserError(error.message);
    throw error;
  } finally {
    renderer.finish();
  }
  printGaps(result.snapshot.coverage, io);
  return result;
}

/** Collects live and stores the scan; returns its id. */
export async function collectAwsInto(store: Store, config: KeywardenConfig, io: Io, makeFactory: ClientFactoryMaker = defaultClientFactory): Promise<number> {
  return (await collectAwsScan(store, config, io, makeFactory)).scanId;
}

/** Collects live and stores the scan; returns its id and how many sources could not be read. */
async function collectAwsScan(store: Store, config: KeywardenConfig, io: Io, makeFactory: ClientFactoryMaker): Promise<{ scanId: number; gaps: number }> {
  const live = requireLive(config);
  // Without a trail bucket, usage may come from Athena loads instead (keywarden collect athena).
  const athena = config.athena && `${config.athena.database}.${config.athena.table}`;
  const { snapshot, extras } = await collect(live, store, io, makeFactory(live), athena);
  // Collection is over: the whole scan is written in one transaction.
  const scanId = store.writeScan(snapshot, extras);
  io.err(
    `scan ${scanId}: ${snapshot.accounts.length} account(s), ${snapshot.identities.length} identities, ` +
      `${snapshot.ingested.reduce((n, o) => n + o.events, 0)} CloudTrail events from ${snapshot.ingested.length} new S3 object(s)\n`,
  );
  return { scanId, gaps: snapshot.coverage.filter((c) => c.status === 'gap').length };
}

/** Like `collect gcp`, a scan with sources that could not be read fails closed unless --allow-partial. */
export function runCollectAws(opts: GlobalOptions & { allowPartial?: boolean }, io: Io, makeFactory: ClientFactoryMaker = defaultClientFactory): Promise<number> {
  return withStore(opts, async (store, config) => {
    const { gaps } = await collectAwsScan(store, config, io, makeFactory);
    if (gaps && !opts.allowPartial) {
      io.err(`${gaps} source(s) could not be read (warnings above): exit code 2; pass --allow-partial to accept\n`);
      return EXIT.incomplete;
    }
    return EXIT.ok;
  });
}

/** IAM of every reachable account, and the window's CloudTrail objects, in the offline layout. */
export function runExportAws(opts: GlobalOptions & { dir: string }, io: Io, makeFactory: ClientFactoryMaker = defaultClientFactory): Promise<number> {
  return withStore(opts, async (_store, config) => {
    const live = requireLive(config);
    const factory = makeFactory(live);
    // Logs are copied as they are below, not folded into usage here.
    const result = await collect({ ...live, cloudTrail: undefined }, undefined, io, factory);
    let files = 0;
    for (const read of result.reads) files += writeAccountExport(opts.dir, read.export).length;
    const ct = live.cloudTrail;
    const s3 = ct && trailBucketClient(factory, result.reached, ct);
    if (ct && s3) {
      const copied = await copyCloudTrailObjects(s3, result.reached.map((r) => r.accountId), ct, opts.dir, new Date());
      printGaps(copied.coverage, io);
      files += copied.files.length;
    } else if (ct) {
      io.err(`warning: CloudTrail bucket account ${ct.bucketAccount} could not be reached: logs not exported\n`);
    }
    io.err(`wrote ${files} file(s) for ${result.reads.length} account(s) to ${opts.dir}\n`);
    return EXIT.ok;
  });
}
