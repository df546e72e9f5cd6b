/** Rule documentation, generated from the rule objects: never kept by hand in two places. */
import type { Rule } from '../rules/rule.js';

export function ruleDocsMarkdown(rules: readonly Rule[]): string {
  const out = [
    '# keywarden rules',
    '',
    '<!-- Generated from src/rules by `npm run docs`; do not edit by hand. -->',
    '',
    '| id | title | highest severity |',
    '|---|---|---|',
    ...rules.map((r) => `| [\`${r.id}\`](#${anchor(r.id)}) | ${r.title} | ${r.severity} |`),
  ];
  for (const r of rules) {
    out.push(
      '',
      `## ${r.id}`,
      '',
      `**${r.title}** — highest severity: ${r.severity}`,
      '',
      r.description,
      '',
      `**Risk.** ${r.risk}`,
      '',
      `**Remediation.** ${r.remediation}`,
      '',
      '**References.**',
      '',
      ...r.references.map((ref) => `- ${ref}`),
    );
  }
  return out.join('\n') + '\n';
}

function anchor(id: string): string {
  return id.toLowerCase().replace(/[^a-z0-9 -]/g, '');
}

/** `keywarden rules`: one block per rule for the terminal. */
export function ruleDocsText(rules: readonly Rule[]): string {
  return (
    rules
      .map((r) => [`${r.id}  [${r.severity}]  ${r.title}`, `  ${r.description}`, `  Risk: ${r.risk}`, `  Fix: ${r.remediation}`].join('\n'))
      .join('\n\n') + '\n'
  );
}
