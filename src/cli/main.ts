/**
 * The command layer: argument parsing, exit codes and output only. The work
 * itself lives in collect/, store/, analyse/ and report/.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { EXIT, UserError } from './errors.js';
import { runAudit, runImport, runReport, listScans } from './commands.js';
import { reportJsonSchema } from '../report/json-schema.js';
import { VERSION } from './version.js';
import { runExplain } from './explain.js';
import { parseFormats } from './report-files.js';
import { runPlan } from './plan.js';
import { configFor } from './commands.js';
import { ALL_RULES } from '../rules/index.js';
import { ruleDocsMarkdown, ruleDocsText } from '../report/rule-docs.js';
import { registerCiCommands, registerScheduleCommands } from './register-automation.js';
import { terminalLines, terminalText } from '../util/terminal-text.js';
import { adoptNurseryHold, withNurseryHeld } from '../util/nursery.js';

/**
 * Commands that talk to a cloud load their modules when they run: the AWS and
 * Google clients are most of what a start-up would otherwise load, and
 * `--version`, an audit of files, `ci` and `report` need none of them.
 */
const awsCommands = () => import('./collect-aws.js');
const gcpCommands = () => import('./collect-gcp.js');
const queryCommands = () => import('./collect-query.js');
const gcpExport = () => import('./export-gcp.js');


export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of days >= 1');
  return n;
}

export function isoDate(value: string): Date {
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T23:59:59Z` : value);
  if (Number.isNaN(d.getTime())) throw new InvalidArgumentError('expected a date such as 2026-11-15');
  return d;
}

function gigabytes(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number of gigabytes above 0, such as 50 or 0.5');
  return n;
}

const list = (value: string): string[] => value.split(',').map((v) => v.trim()).filter(Boolean);

function providerName(value: string): 'aws' | 'gcp' {
  if (value !== 'aws' && value !== 'gcp') throw new InvalidArgumentError('expected aws or gcp');
  return value;
}

export interface GlobalOptions {
  config?: string;
  db?: string;
  debug?: boolean;
}

export function buildProgram(io: { out: (s: string) => void; err: (s: string) => void }): Command {
  const program = new Command('keywarden')
    .description('Find over-privileged machine credentials: what each AWS identity is granted vs what it used.')
    .version(VERSION)
    .option('--config <file>', 'config file, YAML or JSON (default: ./keywarden.yaml if present)')
    .option('--db <path>', 'SQLite database holding scan history (default: config `database`, $KEYWARDEN_DB, or .keywarden/keywarden.db)')
    .option('--debug', 'print stack traces for errors')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()
    .showHelpAfterError('(run keywarden --help for usage)');

  const windowOptions = (cmd: Command) =>
    cmd
      .option('--window <days>', 'observation window in days (default: config thresholds.unusedDays, 90)', positiveInt)
      .option('--as-of <date>', 'end of the window (default: now)', isoDate)
      .option('--out <dir>', 'directory for report files (default: config `reports`, or reports)')
      .option('--allow-partial', 'exit 0 even when a source could not be read')
      .option('--agents-only', 'terminal summary: only identities attributed to AI agents or automation')
      .option('--format <list>', 'report files to write: json,html,sarif,markdown (default: json,html)', parseFormats)
      .option('--suppressions <file>', 'suppressions file (default: config `suppressions`, or .keywarden/suppressions.yaml if present)');

  windowOptions(
    program
      .command('audit')
      .description('import an AWS or gcloud export directory (--from), or collect live when the config has liveAws or gcp.live, then write the granted-vs-used report')
      .option('--from <dir>', 'AWS or gcloud (GCP) export directory to import first (see docs/export-layout.md)')
      .option('--provider <provider>', 'aws or gcp: which live source to collect (config liveAws / gcp.live), or whose latest scan to report', providerName),
  ).action(async (opts) => {
    process.exitCode = await runAudit({ ...program.opts<GlobalOptions>(), ...opts }, io);
  });

  program
    .command('import')
    .description('import an AWS export directory (IAM exports, Access Advisor, CloudTrail) as a new scan')
    .argument('<dir>', 'export directory (see docs/export-layout.md)')
    .action(async (dir: string) => {
      process.exitCode = await runImport({ ...program.opts<GlobalOptions>(), from: dir }, io);
    });

  windowOptions(
    program
      .command('report')
      .description('write the granted-vs-used report from the latest stored scan')
      .option('--provider <provider>', 'aws or gcp: whose latest scan to report (default aws)', providerName),
  ).action(
    async (opts) => {
      process.exitCode = await runReport({ ...program.opts<GlobalOptions>(), ...opts }, io);
    },
  );

  const collect = program.command('collect').description('collect live from a cloud provider as a new scan');
  collect
    .command('aws')
    .description('collect IAM, Access Advisor, credential reports and CloudTrail (S3) live, per the config liveAws section')
    .option('--allow-partial', 'exit 0 even when a source could not be read')
    .action(async (opts: { allowPartial?: boolean }) => {
      // Held from before the AWS SDK loads: loading it alone would grow this thread's nursery (see util/nursery.ts).
      process.exitCode = await withNurseryHeld(async () => (await awsCommands()).runCollectAws({ ...program.opts<GlobalOptions>(), ...opts }, io));
    });
  collect
    .command('gcp')
    .description('collect a GCP organisation or projects live (config gcp.live, Application Default Credentials) as a new scan')
    .option('--allow-partial', 'exit 0 even when a source could not be read')
    .action(async (opts: { allowPartial?: boolean }) => {
      process.exitCode = await (await gcpCommands()).runCollectGcp({ ...program.opts<GlobalOptions>(), ...opts }, io);
    });
  collect
    .command('athena')
    .description('load CloudTrail usage with one Athena query over the trail bucket (config athena; see README "Beyond one machine")')
    .option('--region <region>', 'region of the Athena workgroup (default: config athena.region, us-east-1)')
    .option('--database <name>', 'Glue database of the CloudTrail table (default: config athena.database, keywarden)')
    .option('--table <name>', 'the CloudTrail table (default: config athena.table, cloudtrail)')
    .option('--workgroup <name>', 'Athena workgroup (default: config athena.workgroup, primary)')
    .option('--output <s3-url>', 'query result location, s3://bucket/prefix/ (default: config athena.outputLocation, else the workgroup\'s)')
    .option('--max-scanned-gb <gb>', 'stop and do not load a query that scans more (default: config athena.maxScannedGb, 100)', gigabytes)
    .option('--window <days>', 'days of usage to load (default: config thresholds.unusedDays, 90)', positiveInt)
    .option('--create-table', 'create the database and the partition-projected CloudTrail table first when missing (config athena.logs)')
    .option('--allow-partial', 'exit 0 even when the query failed or was refused')
    .action(async (opts) => {
      process.exitCode = await (await queryCommands()).runCollectAthena({ ...program.opts<GlobalOptions>(), ...opts }, io);
    });
  collect
    .command('bigquery')
    .description('load GCP audit-log usage with one BigQuery query over a log sink\'s dataset (config bigquery)')
    .option('--dataset <project.dataset>', 'the dataset the log sink writes to (default: config bigquery.dataset)')
    .option('--project <id>', 'project the query job runs and is billed in (default: the dataset\'s)')
    .option('--partitioned', 'the sink uses partitioned tables (default: date-sharded, the sink\'s default)')
    .option('--location <location>', 'the dataset\'s location, e.g. US or europe-west1')
    .option('--max-billed-gb <gb>', 'do not run a query that would process more (default: config bigquery.maxBilledGb, 100)', gigabytes)
    .option('--window <days>', 'days of usage to load (default: config thresholds.unusedDays, 90)', positiveInt)
    .option('--allow-partial', 'exit 0 even when the query failed or was refused')
    .action(async (opts) => {
      process.exitCode = await (await queryCommands()).runCollectBigQuery({ ...program.opts<GlobalOptions>(), ...opts }, io);
    });
  program
    .command('athena')
    .description('Athena helpers')
    .command('ddl')
    .description('print the CREATE statements of the partition-projected CloudTrail table (what collect athena --create-table runs)')
    .option('--database <name>', 'Glue database (default: config athena.database, keywarden)')
    .option('--table <name>', 'table name (default: config athena.table, cloudtrail)')
    .option('--bucket <name>', 'the trail\'s S3 bucket (default: config athena.logs.bucket)')
    .option('--prefix <prefix>', 'the trail\'s key prefix (default: config athena.logs.prefix, none)')
    .option('--organization-id <o-id>', 'for an organisation trail (AWSLogs/o-…/<account>/…)')
    .option('--accounts <ids>', 'comma-separated account ids to project (default: config athena.logs.accounts)', list)
    .option('--regions <names>', 'comma-separated regions to project (default: config athena.logs.regions, every commercial region)', list)
    .option('--from <day>', 'first day of the projection, YYYY-MM-DD (default: config athena.logs.fromDay, 2024-01-01)')
    .action(async (opts) => {
      const global = program.opts<GlobalOptions>();
      process.exitCode = (await queryCommands()).runAthenaDdl({ ...global, ...opts }, io, configFor(global));
    });
  const exportCommand = program.command('export').description('write a live collection in the offline export layout (docs/export-layout.md)');
  exportCommand.command('aws').description('collect AWS live (config liveAws) into <dir>').argument('<dir>', 'directory to write (docs/export-layout.md)').action(async (dir: string) => {
    process.exitCode = await (await awsCommands()).runExportAws({ ...program.opts<GlobalOptions>(), dir }, io);
  });

  program
    .command('plan')
    .description('write a reviewable revocation plan (plan.md, apply and rollback scripts) for the latest scan; runs nothing')
    .option('--window <days>', 'observation window in days (default: config thresholds.unusedDays, 90)', positiveInt)
    .option('--as-of <date>', 'end of the window (default: now)', isoDate)
    .option('--out <dir>', 'plan directory (default: config suggestions.planDir, or <reports>/plan-<date>)')
    .option('--only <id>', 'only the suggestion with this id')
    .option('--provider <provider>', 'aws or gcp: whose latest scan to plan for (default aws)', providerName)
    .action(async (opts) => {
      process.exitCode = await runPlan({ ...program.opts<GlobalOptions>(), ...opts }, io);
    });
  registerCiCommands(program, windowOptions, io);
  registerScheduleCommands(program, io);

  exportCommand
    .command('gcp')
    .description('collect a GCP organisation or projects (read-only, Application Default Credentials) into <dir>/gcp')
    .argument('<dir>', 'export directory')
    .option('--organization <name>', 'organizations/<id>: walk its folders and projects')
    .option('--project <id>', 'a project id (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--log-days <days>', 'days of Cloud Audit Logs to read (default 30)', positiveInt)
    .action(async (dir: string, opts: { organization?: string; project: string[]; logDays?: number }) => {
      process.exitCode = await (await gcpExport()).runExportGcp({ dir, config: program.opts<GlobalOptions>().config, organization: opts.organization, projects: opts.project, logDays: opts.logDays }, io);
    });

  program
    .command('scans')
    .description('list the scans stored in the database')
    .action(async () => {
      process.exitCode = await listScans(program.opts<GlobalOptions>(), io);
    });

  program
    .command('explain')
    .description('print everything an identity can reach (assume-role, pass-role, escalation), as a tree with the evidence for each hop')
    .argument('<identity>', 'ARN, user/role name, or service-account email (with --provider gcp)')
    .option('--max <n>', 'print at most this many reachable nodes (default 200)', positiveInt)
    .option('--provider <provider>', 'aws or gcp: whose latest scan to explain from (default aws)', providerName)
    .action(async (identity: string, opts: { max?: number; provider?: 'aws' | 'gcp' }) => {
      process.exitCode = await runExplain(identity, { ...program.opts<GlobalOptions>(), ...opts }, io);
    });

  program
    .command('rules')
    .description('list the rules with their documentation')
    .option('--markdown', 'print as Markdown (docs/rules.md)')
    .action((opts: { markdown?: boolean }) => {
      io.out(opts.markdown ? ruleDocsMarkdown(ALL_RULES) : ruleDocsText(ALL_RULES));
    });

  program
    .command('schema')
    .description('print the JSON Schema of the JSON report')
    .action(() => {
      io.out(JSON.stringify(reportJsonSchema(), null, 2) + '\n');
    });

  return program;
}

/** Runs the CLI; returns the process exit code (never throws). */
export async function main(
  argv: string[],
  io = { out: (s: string) => void process.stdout.write(s), err: (s: string) => void process.stderr.write(s) },
  started: { nurseryHeld?: boolean } = {},
): Promise<number> {
  // bin/keywarden.js held the nursery while the modules loaded: a command lets it grow, unless it
  // collects, which holds it on for the collection (util/nursery.ts).
  const endStartupHold = started.nurseryHeld ? adoptNurseryHold() : () => {};
  const program = buildProgram(io);
  program.hook('preAction', endStartupHold);
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof UserError) {
      // Messages quote file names and values a user or a cloud account chose.
      io.err(`keywarden: ${terminalText(error.message)}\n`);
      return error.exitCode;
    }
    const debug = program.opts<GlobalOptions>().debug;
    io.err(`keywarden: internal error: ${terminalText(error instanceof Error ? error.message : String(error))}\n`);
    if (debug && error instanceof Error && error.stack) io.err(terminalLines(error.stack) + '\n');
    else io.err('(run again with --debug for a stack trace, and report it)\n');
    return EXIT.internal;
  } finally {
    endStartupHold();
    process.exitCode = undefined;
  }
}
