/** Registers the commands machines run: `ci`, `baseline write` (pipelines), `schedule` and `runs` (the monthly job). Kept out of main.ts so branches merge cleanly. */
import { Option, type Command } from 'commander';
import { SEVERITIES } from '../model/finding.js';
import { CI_REPORT_FORMATS, runBaselineWrite, runCi } from './ci.js';
import type { Io } from './commands.js';
import { isoDate, positiveInt, type GlobalOptions } from './main.js';
import { DEFAULT_BASELINE_FILE } from '../ci/baseline-file.js';
import type { RunKind } from '../../scheduler/run-log.js';
import { listRuns, runSchedule } from './schedule.js';

/** Policy-as-code options shared by `ci` and `baseline write`. */
function policyOptions(cmd: Command): Command {
  return cmd
    .option('--policy <files...>', 'also check IAM policy JSON, Terraform plan JSON (terraform show -json) and CloudFormation templates')
    .option('--policy-account <id>', 'AWS account the policy files deploy to (its environment from the config; default: unknown, judged as production)')
    .addOption(new Option('--policy-principals <which>', 'check every planned principal, or only those attributed to agents by the config').choices(['all', 'agents']).default('all'));
}

export function registerScheduleCommands(program: Command, io: Io): void {
  program
    .command('schedule')
    .description('run audits on a schedule (node-cron; config `schedule`): monthly by default, until SIGTERM')
    .addOption(new Option('--once <kind>', 'run one job now (with lock, retries, run record, notification) and exit').choices(['audit', 'ingest']))
    .action(async (opts: { once?: RunKind }) => {
      process.exitCode = await runSchedule({ ...program.opts<GlobalOptions>(), ...opts }, io);
    });
  program
    .command('runs')
    .description('list recorded scheduled runs, newest first')
    .option('--limit <n>', 'how many (default 50)', positiveInt)
    .action((opts: { limit?: number }) => {
      process.exitCode = listRuns({ ...program.opts<GlobalOptions>(), ...opts }, io);
    });
}

export function registerCiCommands(program: Command, windowOptions: (cmd: Command) => Command, io: Io): void {
  const auditSource = (cmd: Command) =>
    windowOptions(cmd).option('--from <dir>', 'AWS export directory to import first (default: audit the latest stored scan)');

  const ci = auditSource(
    program
      .command('ci')
      .description('CI gate: audit, then exit 1 on open findings at or above --fail-on (2 on incomplete coverage)')
      .addOption(new Option('--fail-on <severity>', 'lowest severity that fails the build').choices(SEVERITIES.filter((s) => s !== 'info')).default('high'))
      .option('--baseline <file>', 'fail only on findings not in this baseline (see `keywarden baseline write`)'),
  );
  policyOptions(ci);
  for (const format of Object.keys(CI_REPORT_FORMATS)) ci.option(`--${format} <file>`, `write the ${format.toUpperCase()} report to this file`);
  ci.action(async (opts) => {
    process.exitCode = await runCi({ ...program.opts<GlobalOptions>(), ...opts }, io);
  });

  const baseline = program.command('baseline').description('baselines: the findings a pipeline already knows about');
  policyOptions(baseline.command('write'))
    .description("store the current findings' fingerprints, so `ci --baseline` fails on new findings only")
    .option('--from <dir>', 'AWS export directory to import first (default: audit the latest stored scan)')
    .option('--window <days>', 'observation window in days (default: config thresholds.unusedDays, 90)', positiveInt)
    .option('--as-of <date>', 'end of the window (default: now)', isoDate)
    .option('--suppressions <file>', 'suppressions file (suppressed findings are recorded too)')
    .option('--out <file>', `baseline file to write (default ${DEFAULT_BASELINE_FILE})`)
    .action(async (opts) => {
      process.exitCode = await runBaselineWrite({ ...program.opts<GlobalOptions>(), ...opts }, io);
    });
}
