/**
 * The command layer: argument parsing, exit codes and output only. The work
 * itself lives in collect/, store/, analyse/ and report/.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { EXIT, UserError } from './errors.js';
import { runAudit, runImport, runReport, listScans } from './commands.js';
import { runExportGcp } from './export-gcp.js';
import { reportJsonSchema } from '../report/json-schema.js';
import { VERSION } from './version.js';
import { runExplain } from './explain.js';
import { parseFormats } from './report-files.js';
import { runPlan } from './plan.js';
import { runCollectAws, runExportAws } from './collect-aws.js';
import { runCollectGcp } from './collect-gcp.js';
import { ALL_RULES } from '../rules/index.js';
import { ruleDocsMarkdown, ruleDocsText } from '../report/rule-docs.js';
import { registerCiCommands, registerScheduleCommands } from './register-automation.js';
import { terminalLines, terminalText } from '../util/terminal-text.js';


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
      process.exitCode = await runCollectAws({ ...program.opts<GlobalOptions>(), ...opts }, io);
    });
  collect
    .command('gcp')
    .description('collect a GCP organisation or projects live (config gcp.live, Application Default Credentials) as a new scan')
    .option('--allow-partial', 'exit 0 even when a source could not be read')
    .action(async (opts: { allowPartial?: boolean }) => {
      process.exitCode = await runCollectGcp({ ...program.opts<GlobalOptions>(), ...opts }, io);
    });
  const exportCommand = program.command('export').description('write a live collection in the offline export layout (docs/export-layout.md)');
  exportCommand.command('aws').description('collect AWS live (config liveAws) into <dir>').argument('<dir>', 'directory to write (docs/export-layout.md)').action(async (dir: string) => {
    process.exitCode = await runExportAws({ ...program.opts<GlobalOptions>(), dir }, io);
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
      process.exitCode = await runExportGcp({ dir, organization: opts.organization, projects: opts.project, logDays: opts.logDays }, io);
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
): Promise<number> {
  const program = buildProgram(io);
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
    process.exitCode = undefined;
  }
}
