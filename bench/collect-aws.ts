/**
 * Live AWS collection benchmark: `npx tsx bench/collect-aws.ts`.
 *
 * 1. IAM: one account with 5,000 roles (and 20 users) served by the local
 *    IAM/STS Query test server over HTTP; prints the calls per API and the
 *    time, and checks the call budget: GetAccountAuthorizationDetails once
 *    per 1,000-entry page, one Access Advisor job per principal.
 * 2. CloudTrail from S3: the cloudtrail-ingest dataset (gzip logs in the real
 *    AWSLogs layout) uploaded to s3rver running in its own process, then
 *    collected at 250,000 and 1,000,000 events, each in a child process,
 *    printing events/s and peak RSS (flat = streaming, not buffering days).
 * 3. `keywarden collect aws` as a user runs it (the CLI in its own process):
 *    IAM of the dataset's five accounts (the home account and four reached
 *    with the audit role, served by the IAM/STS server in another process)
 *    and CloudTrail from S3 at 1,000,000 events, written to SQLite. Its peak
 *    RSS is held to the ingest target (< 300 MB).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { awsClientFactory } from '../src/collect/aws/clients.js';
import { collectCloudTrailFromS3 } from '../src/collect/aws/cloudtrail-s3.js';
import { collectAwsLive } from '../src/collect/aws/collect-aws.js';
import { mapLimit } from '../src/collect/aws/concurrency.js';
import { generatedAccount } from '../test/servers/aws/account-model.js';
import { FakeAwsServer } from '../test/servers/aws/query-server.js';
import { liveOptions } from '../test/servers/aws/harness.js';
import { S3RVER_CREDENTIALS } from '../test/servers/aws/s3-harness.js';
import { runKeywarden } from './cli-process.js';
import { datasetDir, filesFor, generate } from './cloudtrail-ingest.js';
import { reportFigure } from './figures.js';

const ROLES = 5_000;
const USERS = 20;
const PAGE = 1_000;
const SIZES = [250_000, 1_000_000];
const HOME = '123456789012';

async function benchIam(): Promise<boolean> {
  const server = new FakeAwsServer({ homeAccountId: HOME, accounts: [generatedAccount(HOME, ROLES, USERS)] });
  const endpoint = await server.start();
  const factory = awsClientFactory({
    region: 'us-east-1',
    maxAttempts: 4,
    endpoints: { iam: endpoint, sts: endpoint },
    credentials: { accessKeyId: 'AKIAKEYWARDENTEST001', secretAccessKey: 'bench' },
  });
  const started = performance.now();
  const result = await collectAwsLive(
    factory,
    liveOptions({ iam: { concurrency: 16, accessAdvisor: { timeoutMs: 60_000, initialDelayMs: 20, maxDelayMs: 200 }, credentialReport: { timeoutMs: 60_000, initialDelayMs: 20, maxDelayMs: 200 } } }),
  );
  const seconds = (performance.now() - started) / 1000;
  await server.stop();
  const calls = new Map<string, number>();
  for (const r of server.requests) calls.set(r.action, (calls.get(r.action) ?? 0) + 1);
  const principals = ROLES + USERS;
  const entries = ROLES + USERS + 2; // roles, users, 2 managed policies
  const pages = Math.ceil(entries / PAGE);
  console.log(`IAM: ${ROLES.toLocaleString('en-US')} roles + ${USERS} users collected in ${seconds.toFixed(1)} s, ${server.requests.length.toLocaleString('en-US')} calls:`);
  for (const [action, n] of [...calls].sort((a, b) => b[1] - a[1])) console.log(`  ${action.padEnd(38)} ${n}`);
  const gaps = result.snapshot.coverage.filter((c) => c.status === 'gap' && c.source !== 'cloudtrail').length;
  const ok =
    calls.get('GetAccountAuthorizationDetails') === pages &&
    calls.get('GenerateServiceLastAccessedDetails') === principals &&
    result.snapshot.identities.filter((i) => i.kind === 'role').length === ROLES &&
    gaps === 0;
  console.log(
    `  budget: GetAccountAuthorizationDetails ${calls.get('GetAccountAuthorizationDetails')} = ${pages} page(s) of ${PAGE}; ` +
      `one Access Advisor job per principal (${calls.get('GenerateServiceLastAccessedDetails')} for ${principals}); ` +
      `${(((calls.get('GetServiceLastAccessedDetails') ?? 0) / principals)).toFixed(2)} polls per job; ${gaps} gap(s): ${ok ? 'OK' : 'OVER BUDGET'}`,
  );
  reportFigure({
    measure: `live IAM collection, ${ROLES.toLocaleString('en-US')} roles (local IAM server)`,
    result: `${server.requests.length.toLocaleString('en-US')} calls, ${seconds.toFixed(1)} s, ${gaps} gap(s)`,
    target: 'one page call per page, one Access Advisor job per principal',
    ok,
  });
  return ok;
}

interface Manifest {
  files: { file: string; records: number }[];
}

const BUCKET = (events: number) => `bench-trail-${events}`;

/** s3rver in its own process, so its memory is not counted as ours. */
function startS3rverProcess(directory: string): Promise<{ endpoint: string; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const proc = fork(fileURLToPath(import.meta.url), ['--s3rver', directory], { stdio: 'inherit' });
    proc.on('message', (m) => resolve({ endpoint: `http://127.0.0.1:${(m as { port: number }).port}`, stop: () => proc.kill() }));
    proc.on('error', reject);
  });
}

/** The IAM/STS server for the CLI run, in its own process: the CLI is run synchronously, and the server's memory is not the CLI's. */
function startIamServerProcess(accounts: string[]): Promise<{ endpoint: string; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const proc = fork(fileURLToPath(import.meta.url), ['--iam-server', accounts.join(',')], { stdio: 'inherit' });
    proc.on('message', (m) => resolve({ endpoint: (m as { endpoint: string }).endpoint, stop: () => proc.kill() }));
    proc.on('error', reject);
  });
}

const AUDIT_ROLE = 'keywarden-audit';

async function iamServerChild(accounts: string[]): Promise<void> {
  const [home, ...members] = accounts;
  const server = new FakeAwsServer({
    homeAccountId: home!,
    // The CLI signs with s3rver's key: one identity for both servers, as one AWS principal would be.
    homeAccessKeys: [S3RVER_CREDENTIALS.accessKeyId],
    accounts: [generatedAccount(home!, 40, 4), ...members.map((id) => ({ ...generatedAccount(id, 40, 4), auditRole: { name: AUDIT_ROLE } }))],
  });
  process.send!({ endpoint: await server.start() });
}

async function s3rverChild(directory: string): Promise<void> {
  const { default: S3rver } = await import('s3rver');
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true });
  const { port } = await server.run();
  process.send!({ port });
}

function accountsAndRegions(files: string[]): { accounts: string[]; regions: string[] } {
  const parts = files.map((f) => /AWSLogs\/(\d{12})\/CloudTrail\/([^/]+)\//.exec(f)!);
  return { accounts: [...new Set(parts.map((p) => p[1]!))], regions: [...new Set(parts.map((p) => p[2]!))] };
}

async function ingestChild(endpoint: string, events: number): Promise<void> {
  const manifest = JSON.parse(readFileSync(path.join(datasetDir, 'manifest.json'), 'utf8')) as Manifest;
  const keys = filesFor(manifest as never, events).map((f) => path.relative(datasetDir, f));
  const { accounts, regions } = accountsAndRegions(keys);
  const days = keys.map((k) => /\/(\d{4})\/(\d{2})\/(\d{2})\//.exec(k)!.slice(1).join('-')).sort();
  const last = new Date(`${days[days.length - 1]}T00:00:00Z`);
  const lookbackDays = Math.round((last.getTime() - Date.parse(`${days[0]}T00:00:00Z`)) / 86_400_000) + 3;
  const factory = awsClientFactory({ region: 'us-east-1', maxAttempts: 3, endpoints: { s3: endpoint }, credentials: S3RVER_CREDENTIALS });
  const started = performance.now();
  const result = await collectCloudTrailFromS3(
    factory.s3(),
    accounts,
    { bucket: BUCKET(events), prefix: '', regions, lookbackDays, concurrency: 2 },
    { completedDays: () => new Set(), objects: () => new Map(), alreadyIngested: () => false },
    { now: () => new Date(last.getTime() + 2 * 86_400_000) },
  );
  process.send!({
    events: result.stats.events,
    objects: result.stats.objectsRead,
    listCalls: result.stats.listCalls,
    seconds: (performance.now() - started) / 1000,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  });
}

function runIngestChild(endpoint: string, events: number): Promise<{ events: number; objects: number; listCalls: number; seconds: number; maxRssMB: number }> {
  return new Promise((resolve, reject) => {
    const proc = fork(fileURLToPath(import.meta.url), ['--ingest', endpoint, String(events)], { stdio: 'inherit' });
    let result: unknown;
    proc.on('message', (m) => (result = m));
    proc.on('error', reject);
    proc.on('exit', (code) => (code === 0 && result ? resolve(result as never) : reject(new Error(`ingest child exited with ${code}`))));
  });
}

async function benchS3(): Promise<void> {
  const manifest = await generate();
  const directory = mkdtempSync(path.join(os.tmpdir(), 'kw-bench-s3rver-'));
  const s3rver = await startS3rverProcess(directory);
  try {
    const client = new S3Client({ region: 'us-east-1', endpoint: s3rver.endpoint, forcePathStyle: true, credentials: S3RVER_CREDENTIALS, requestChecksumCalculation: 'WHEN_REQUIRED' });
    const uploadStarted = performance.now();
    for (const size of SIZES) {
      await client.send(new CreateBucketCommand({ Bucket: BUCKET(size) }));
      const files = filesFor(manifest, size);
      await mapLimit(files, 4, async (file) => {
        await client.send(new PutObjectCommand({ Bucket: BUCKET(size), Key: path.relative(datasetDir, file), Body: readFileSync(file) }));
      });
    }
    client.destroy();
    console.log(`S3: uploaded the dataset to s3rver in ${((performance.now() - uploadStarted) / 1000).toFixed(0)} s (not timed below)`);
    for (const size of SIZES) {
      const r = await runIngestChild(s3rver.endpoint, size);
      console.log(
        `S3 CloudTrail ingest ${r.events.toLocaleString('en-US')} events from ${r.objects} objects (${r.listCalls} list calls): ` +
          `${Math.round(r.events / r.seconds).toLocaleString('en-US')} events/s, ${r.seconds.toFixed(1)} s, peak RSS ${r.maxRssMB.toFixed(0)} MB`,
      );
      reportFigure({
        measure: `S3 CloudTrail ingest ${(r.events / 1e6).toLocaleString('en-US')}M events (s3rver, worker threads)`,
        result: `${Math.round(r.events / r.seconds).toLocaleString('en-US')} events/s, ${r.maxRssMB.toFixed(0)} MB`,
        target: 'figure only (the CLI run below holds the S3 memory target; the local-file benchmark the rate)',
        ok: true,
      });
    }
    await benchCli(s3rver.endpoint, manifest);
  } finally {
    s3rver.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

const CLI_EVENTS = 1_000_000;
const TARGET_RSS_MB = 300;

/** `keywarden collect aws` over the CLI_EVENTS bucket uploaded above. */
async function benchCli(s3Endpoint: string, manifest: Manifest): Promise<void> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'kw-bench-cli-'));
  const keys = filesFor(manifest as never, CLI_EVENTS).map((f) => path.relative(datasetDir, f));
  const { accounts } = accountsAndRegions(keys);
  const iam = await startIamServerProcess(accounts);
  try {
    const firstDay = keys.map((k) => /\/(\d{4})\/(\d{2})\/(\d{2})\//.exec(k)!.slice(1).join('-')).sort()[0]!;
    // The CLI's window ends now: reach back to the dataset's first day.
    const lookbackDays = Math.ceil((Date.now() - Date.parse(`${firstDay}T00:00:00Z`)) / 86_400_000) + 2;
    const config = path.join(scratch, 'keywarden.yaml');
    writeFileSync(
      config,
      [
        'liveAws:',
        `  homeAccount: '${accounts[0]}'`,
        `  accounts: [${accounts.slice(1).map((a) => `'${a}'`).join(', ')}]`,
        `  auditRole: { name: ${AUDIT_ROLE} }`,
        `  endpoints: { iam: '${iam.endpoint}', sts: '${iam.endpoint}', s3: '${s3Endpoint}' }`,
        `  cloudTrail: { bucket: ${BUCKET(CLI_EVENTS)}, lookbackDays: ${lookbackDays} }`,
      ].join('\n') + '\n',
    );
    const run = runKeywarden(
      ['--config', config, '--db', path.join(scratch, 'cli.db'), 'collect', 'aws'],
      { AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey, AWS_REGION: 'us-east-1' },
      scratch,
    );
    const scan = /scan \d+: .*/.exec(run.stderr)?.[0] ?? '(no scan line)';
    const ok = run.rssMb < TARGET_RSS_MB && scan.includes(`${CLI_EVENTS} CloudTrail events`);
    console.log(`CLI keywarden collect aws (${accounts.length} accounts, CloudTrail from S3): ${(run.wallMs / 1000).toFixed(1)} s, ${(run.cpuMs / 1000).toFixed(1)} s CPU, peak RSS ${run.rssMb.toFixed(0)} MB; ${scan}`);
    reportFigure({
      measure: `keywarden collect aws (CLI), ${(CLI_EVENTS / 1e6).toLocaleString('en-US')}M CloudTrail events from S3`,
      result: `${run.rssMb.toFixed(0)} MB peak RSS, ${(run.wallMs / 1000).toFixed(1)} s`,
      target: `< ${TARGET_RSS_MB} MB RSS`,
      ok,
    });
  } finally {
    iam.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

const invokedDirectly = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const arg = (flag: string) => process.argv[process.argv.indexOf(flag) + 1]!;
  const has = (flag: string) => process.argv.includes(flag);
  const run = has('--s3rver')
    ? s3rverChild(arg('--s3rver'))
    : has('--iam-server')
      ? iamServerChild(arg('--iam-server').split(','))
      : has('--ingest')
        ? ingestChild(arg('--ingest'), Number(process.argv[process.argv.indexOf('--ingest') + 2]))
        : (async () => {
            const ok = await benchIam();
            await benchS3();
            if (!ok) process.exitCode = 1;
          })();
  run.catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
