/** The terminal summary of a large audit: bounded, and saying what it left to the JSON and HTML reports. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../src/report/json-schema.js';
import { renderTerminal, TERMINAL_IDENTITIES } from '../../src/report/terminal.js';
import { sampleReport, scaledReport } from './report-fixtures.js';

let large: AuditReport;
beforeAll(async () => {
  // Enough lines that spreading them into one push overflowed the call stack (a 25,000-principal audit did).
  large = scaledReport(await sampleReport(), 60_000, 1);
}, 120_000);

describe('terminal summary at scale', () => {
  it('lists the worst identities in each section and counts the rest', () => {
    expect(large.findings.length).toBeGreaterThan(200_000);
    const text = renderTerminal(large);
    const withFindings = new Set(large.findings.map((f) => f.identityArn)).size;
    expect(text).toContain(`  … ${withFindings - TERMINAL_IDENTITIES} more identities with findings in the JSON and HTML reports\n`);
    expect(text).toContain(`… ${large.identities.length - TERMINAL_IDENTITIES} more identities (fewer unused grants) in the JSON and HTML reports\n`);
    // The worst identity's findings come first, and the totals still count everything.
    expect(text.indexOf(large.findings[0]!.identityArn)).toBeGreaterThan(text.indexOf('FINDINGS (worst first):'));
    expect(text).toContain(`${large.findings.length} finding(s)`);
    expect(text.split('\n').length).toBeLessThan(TERMINAL_IDENTITIES * 12 + 100);
  });
});
