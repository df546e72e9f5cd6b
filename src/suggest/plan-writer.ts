/**
 * Writes a reviewable plan: plan.md (every suggestion with its risk,
 * evidence, staged commands and rollback) and, per suggestion, a directory
 * with its apply and rollback scripts and the documents they use (the
 * generated policies and saved copies of what the change removes). Files are
 * owner-only: scripts 0700, everything else 0600, directories 0700.
 */
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { markdownText } from '../report/markdown.js';
import { terminalText } from '../util/terminal-text.js';
import { renderCommand } from './command.js';
import { renderScript, scriptName, stagesOf } from './script.js';
import type { PlannedStep, SuggestionWithPlan } from './types.js';

export interface WrittenPlan {
  dir: string;
  files: string[];
}

function writePrivate(file: string, content: string, mode: number): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, file);
}

export function documentText(document: unknown): string {
  return JSON.stringify(document, null, 2);
}

/** A code fence longer than any run of backticks in the content, so names cannot close it. */
function fenced(lines: string[], info = 'sh'): string {
  const longest = Math.max(0, ...lines.map((l) => Math.max(0, ...(l.match(/`+/g) ?? []).map((m) => m.length))));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [`${fence}${info}`, ...lines, fence].join('\n');
}


function stepsMarkdown(steps: readonly PlannedStep[], scripts: (stage: number) => string): string[] {
  return stagesOf(steps).flatMap((stage) => {
    const inStage = steps.filter((s) => s.stage === stage);
    const wait = inStage.find((s) => s.waitDays)?.waitDays;
    return [
      `- Stage ${stage}${wait ? ` (after observing ${wait} days)` : ''}: \`${scripts(stage)} --yes\``,
      ...inStage.map((s) => `  - ${markdownText(s.description)}`),
      '',
      // For reading: controls and bidi characters in names shown as escapes; the scripts carry the exact values.
      fenced(inStage.flatMap((s) => s.commands.map((c) => terminalText(renderCommand(c, 'display'))))),
      '',
    ];
  });
}

export function planMarkdown(entries: readonly SuggestionWithPlan[], header: string): string {
  const out = [`# keywarden plan`, '', markdownText(header), '', 'keywarden never runs these commands. Review each suggestion, then run its scripts yourself.', ''];
  for (const { suggestion: s, plan } of entries) {
    out.push(`## ${markdownText(s.title)}`, '', `- id: \`${s.id}\` (${markdownText(s.kind)})`, `- identity: ${markdownText(s.identityArn)} (account ${markdownText(s.accountId)})`);
    if (s.credentialId) out.push(`- credential: ${markdownText(s.credentialId)}`);
    if (plan.guard) out.push(`- ${markdownText(plan.guard.description)} (the scripts check it)`);
    out.push(`- resolves: ${s.resolves.length} finding(s)`, '', `**Risk.** ${markdownText(s.risk)}`, '');
    if (s.evidence.length) out.push('**Evidence.**', '', ...s.evidence.map((e) => `- ${markdownText(e.summary)}`), '');
    if (plan.inputs.length) out.push('**Inputs you supply.**', '', ...plan.inputs.map((i) => `- \`${i.env}\`: ${markdownText(i.description)}`), '');
    if (s.replacement?.coarse.length) out.push('**Coarser than observed use.**', '', ...s.replacement.coarse.map((c) => `- ${markdownText(c)}`), '');
    out.push('**Apply.**', '', ...stepsMarkdown(plan.steps, (n) => `${s.id}/${scriptName('apply', n)}`));
    out.push('**Rollback.**', '', ...stepsMarkdown(plan.rollback, (n) => `${s.id}/${scriptName('rollback', n)}`));
    if (plan.documents.length) out.push('**Documents.**', '', ...plan.documents.map((d) => `- \`${s.id}/documents/${d.name}\`: ${markdownText(d.purpose)}`), '');
  }
  return out.join('\n') + '\n';
}

export function writePlan(dir: string, entries: readonly SuggestionWithPlan[], header: string): WrittenPlan {
  const files: string[] = [];
  const write = (file: string, content: string, mode: number) => {
    writePrivate(file, content, mode);
    files.push(file);
  };
  for (const { suggestion, plan } of entries) {
    const base = path.join(dir, suggestion.id);
    const documents = new Map(plan.documents.map((d) => [d.name, documentText(d.document)]));
    for (const [name, content] of documents) write(path.join(base, 'documents', name), content + '\n', 0o600);
    for (const direction of ['apply', 'rollback'] as const) {
      const steps = direction === 'apply' ? plan.steps : plan.rollback;
      for (const stage of stagesOf(steps)) {
        write(path.join(base, scriptName(direction, stage)), renderScript(plan, suggestion.id, direction, stage, documents), 0o700);
      }
    }
  }
  write(path.join(dir, 'plan.md'), planMarkdown(entries, header), 0o600);
  return { dir, files };
}
