/**
 * One POSIX shell script per suggestion, direction (apply / rollback) and
 * stage. A script prints what it would do and stops unless given `--yes`;
 * then it checks its inputs and the account it runs against, writes its
 * documents with quoted here-documents to a private temporary directory,
 * and runs each command after printing it (`set -eu`: the first failure
 * stops it). Every value from the cloud account reaches the shell only
 * through shellQuote; nothing in a script is interpolated unquoted.
 */
import { DOCUMENTS_VARIABLE, isDocumentArgument, renderCommand, type PlannedCommand } from './command.js';
import { heredocDelimiter, shellQuote } from './shell-quote.js';
import { terminalText } from '../util/terminal-text.js';
import type { PlannedStep, PlannedSuggestion } from './types.js';

export type Direction = 'apply' | 'rollback';

export function scriptName(direction: Direction, stage: number): string {
  return `${direction}-stage${stage}.sh`;
}

/** Marker a successful apply of a stage leaves beside the scripts: the next stage counts its observation period from it. */
export const stageMarker = (stage: number) => `.stage${stage}-applied`;

/** A line the script prints for the person running it: names shown with controls and bidi characters escaped, never emitted raw to their terminal. */
const echo = (line: string) => `printf '%s\\n' ${shellQuote(terminalText(line))}`;
const fail = (line: string, code: number) => `  ${echo(line)} >&2\n  exit ${code}`;

function documentsUsed(commands: PlannedCommand[]): string[] {
  const names = new Set<string>();
  for (const c of commands) for (const a of c.argv) if (isDocumentArgument(a)) names.add(a.document);
  return [...names];
}

function inputChecks(plan: PlannedSuggestion, commands: PlannedCommand[]): string[] {
  const used = new Set(commands.flatMap((c) => c.argv.filter((a): a is { env: string } => typeof a === 'object' && 'env' in a).map((a) => a.env)));
  return plan.inputs
    .filter((i) => used.has(i.env))
    .flatMap((i) => [
      `# ${i.env}: ${oneLine(i.description)}`,
      `${i.env}=\${${i.env}:-}`,
      `if [ "$(printf '%s' "$${i.env}" | wc -l)" -ne 0 ] || ! printf '%s' "$${i.env}" | grep -Eq ${shellQuote(i.pattern)}; then`,
      fail(`set ${i.env} to ${i.description}`, 2),
      'fi',
    ]);
}

/** Comments must stay on one line whatever a name contains, and show no bidi or invisible characters to whoever reads the script. */
const oneLine = terminalText;

/** A stage after the first runs only once the one before it was applied from this plan, and its observation period has passed. */
function previousStageCheck(stage: number, waitDays: number | undefined): string[] {
  if (stage === 1) return [];
  const before = stage - 1;
  const lines = [
    `marker="$(dirname "$0")/${stageMarker(before)}"`,
    'if [ ! -f "$marker" ]; then',
    fail(`stage ${before} has not been applied from this plan: run ${scriptName('apply', before)} first`, 2),
    'fi',
  ];
  if (!waitDays) return lines;
  return [
    ...lines,
    `if [ "\${KEYWARDEN_SKIP_WAIT:-}" != 1 ] && [ $(( $(date +%s) - $(cat "$marker") )) -lt ${waitDays * 86_400} ]; then`,
    fail(`observe for ${waitDays} days after stage ${before} before this one (KEYWARDEN_SKIP_WAIT=1 overrides)`, 2),
    'fi',
  ];
}

export function renderScript(plan: PlannedSuggestion, id: string, direction: Direction, stage: number, documents: ReadonlyMap<string, string>): string {
  const steps = (direction === 'apply' ? plan.steps : plan.rollback).filter((s) => s.stage === stage);
  if (!steps.length) throw new Error(`suggestion ${id} has no ${direction} step for stage ${stage}`);
  const commands = steps.flatMap((s) => s.commands);
  const lines: string[] = [
    '#!/bin/sh',
    `# keywarden suggestion ${id}: ${direction}, stage ${stage}`,
    `# ${oneLine(plan.title)}`,
    '# Review plan.md first. keywarden never runs this itself; it runs only with --yes.',
    'set -eu',
    '',
    'describe() {',
    `  ${echo(`${direction === 'apply' ? 'Apply' : 'Roll back'} stage ${stage} of suggestion ${id}: ${plan.title}`)}`,
    ...steps.flatMap((s) => [`  ${echo(`- ${s.description}`)}`, ...s.commands.map((c) => `  ${echo(`    ${renderCommand(c, 'display')}`)}`)]),
    '}',
    '',
    'if [ "$#" -ne 1 ] || [ "$1" != --yes ]; then',
    '  describe',
    fail('nothing was run: pass --yes to run these commands', 2),
    'fi',
    '',
    ...inputChecks(plan, commands),
    ...(direction === 'apply' ? previousStageCheck(stage, Math.max(0, ...steps.map((s) => s.waitDays ?? 0)) || undefined) : []),
  ];
  if (plan.guard) {
    lines.push(
      `# ${oneLine(plan.guard.description)}`,
      `actual=$(${renderCommand(plan.guard.command, 'script')})`,
      `if [ "$actual" != ${shellQuote(plan.guard.expected)} ]; then`,
      fail(`refusing: ${plan.guard.description}, but the current credentials are for a different one`, 3),
      'fi',
    );
  }
  const docs = documentsUsed(commands);
  if (docs.length) {
    lines.push('umask 077', `${DOCUMENTS_VARIABLE}=$(mktemp -d)`, `trap 'rm -rf "$${DOCUMENTS_VARIABLE}"' EXIT`);
    for (const name of docs) {
      const content = documents.get(name);
      if (content === undefined) throw new Error(`suggestion ${id}: document ${name} is missing`);
      const delimiter = heredocDelimiter(content);
      lines.push(`cat > "$${DOCUMENTS_VARIABLE}/${name}" <<'${delimiter}'`, content, delimiter);
    }
  }
  lines.push('', 'run() {', `  printf '+ %s\\n' "$1"`, '  shift', '  "$@"', '}', '');
  for (const step of steps) {
    lines.push(echo(`== ${step.description}`));
    for (const c of step.commands) lines.push(`run ${shellQuote(terminalText(renderCommand(c, 'display')))} ${renderCommand(c, 'script')}`);
  }
  if (direction === 'apply') lines.push(`date +%s > "$(dirname "$0")/${stageMarker(stage)}"`);
  lines.push(echo('done'), '');
  return lines.join('\n');
}

/** The stages a suggestion has in one direction, ascending. */
export function stagesOf(steps: readonly PlannedStep[]): number[] {
  return [...new Set(steps.map((s) => s.stage))].sort((a, b) => a - b);
}
