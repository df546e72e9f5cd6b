/**
 * The hostile-names suite across every output format. One realistic AWS
 * organisation (the bundled sample, its identities renamed everywhere) and
 * one GCP organisation carry script and attribute injection, Markdown
 * syntax, shell metacharacters, ANSI/OSC escapes and a CR, C1 controls, bidi
 * overrides and zero-width characters, odd Unicode and a 3,000-character
 * name, in names, tags, an account alias, user agents, a bucket, conditions,
 * display names and a file name. Everything keywarden writes is checked:
 * what the CLI prints (audit, explain, plan, ci, scans, the scheduler's log,
 * runs, error messages), the JSON, HTML (in Chromium), Markdown, SARIF and
 * plan.md files, and the plan scripts, run against fake aws and gcloud.
 * Prints how many (format × hostile string) checks ran.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAuditReport } from '../../src/analyse/audit.js';
import { windowEndingAt } from '../../src/analyse/window.js';
import { loadAwsActionCatalog } from '../../src/catalog/aws-actions.js';
import { loadConfig } from '../../src/config/index.js';
import { codeSpan, markdownText } from '../../src/report/markdown.js';
import { reportSchema, type AuditReport } from '../../src/report/json-schema.js';
import { sarifText, type SarifLog } from '../../src/report/sarif.js';
import { ALL_RULES } from '../../src/rules/index.js';
import { openStore } from '../../src/store/index.js';
import { documentText } from '../../src/suggest/plan-writer.js';
import { reportSuggestions } from '../../src/suggest/report-suggestions.js';
import { scriptName, stagesOf } from '../../src/suggest/script.js';
import type { SuggestionWithPlan } from '../../src/suggest/types.js';
import { terminalText } from '../../src/util/terminal-text.js';
import { expectPlannedCall, installFakeCloudCli, runScript } from '../helpers/fake-cloud-cli.js';
import { projectRoot } from '../helpers/fixtures.js';
import { launchChromium, openReport, type OpenedPage } from '../report/html/browser-harness.js';
import { validateSarif } from '../report/sarif-validator.js';
import { CONFIG, cliInProcess } from './cli-process.js';
import { AS_OF, HOSTILE_FILE, HOSTILE_FUNCTION, HOSTILE_PATH, HOSTILE_POLICY, PROD, hostileAlias, hostileStrings, hostileTag, writeHostileAwsExport, writeHostileGcpExport } from './hostile-world.js';

const HOSTILE = hostileStrings();
/** What a terminal must never receive raw: controls (but line break and tab), format characters (bidi, zero-width), separators, lone surrogates. */
const RAW_UNSAFE = /(?![\n\t])[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

const Ajv2020 = Ajv2020Module.default;
const validateReport = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(path.join(projectRoot, 'docs', 'report.schema.json'), 'utf8')));

/** Checks that ran, by format: one per hostile string a format carries. */
const checks = new Map<string, number>();
const checked = (format: string) => checks.set(format, (checks.get(format) ?? 0) + 1);
afterAll(() => {
  const total = [...checks.values()].reduce((a, b) => a + b, 0);
  console.log(`hostile names: ${total} (format × hostile string) checks ran over ${HOSTILE.length} hostile strings: ${[...checks].map(([f, n]) => `${f} ${n}`).join(', ')}`);
});

interface Run {
  name: string;
  code: number;
  out: string;
  err: string;
}

let tmp: string;
let canary: string;
let arns: Map<string, string>;
let gcpCi: string;
const runs: Run[] = [];
let aws: { json: AuditReport; html: string; md: string; sarif: SarifLog; ciJson: AuditReport; ciMd: string; ciSarif: SarifLog; planMd: string };
let gcp: { json: AuditReport; html: string; md: string; sarif: SarifLog; planMd: string };
let plans: { dir: string; entries: SuggestionWithPlan[]; env: Record<string, string> }[] = [];

const run = (name: string) => runs.find((r) => r.name === name)!;
const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

/** The plans `keywarden plan` wrote, rebuilt from the same store and window, to know each argument a script must pass. */
async function plannedEntries(db: string, provider: 'aws' | 'gcp', days: number): Promise<SuggestionWithPlan[]> {
  const store = openStore(db);
  try {
    const config = loadConfig(CONFIG);
    const suggestions = reportSuggestions(store, config, { keepPlans: true });
    const scanId = store.latestScan(provider)!.id;
    buildAuditReport(store, await loadAwsActionCatalog(), { scanId, window: windowEndingAt(new Date(`${AS_OF}T23:59:59Z`), days), config, rules: ALL_RULES, toolVersion: 'test', suggest: suggestions.build });
    return suggestions.plans();
  } finally {
    store.close();
  }
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-hostile-names-'));
  canary = path.join(tmp, 'pwned');
  const awsWorld = writeHostileAwsExport(path.join(tmp, 'aws-export'), canary);
  arns = awsWorld.arns;
  const gcpWorld = writeHostileGcpExport(path.join(tmp, 'gcp-export'), canary);
  gcpCi = gcpWorld.ci;
  const scheduled = path.join(tmp, 'scheduled.yaml');
  writeFileSync(scheduled, `environments:\n  accounts:\n    - { id: '${PROD}', environment: production }\nschedule:\n  from: ${JSON.stringify(awsWorld.dir)}\n`);
  // A suppressions file with a hostile unknown key: the error names it.
  const badSuppressions = path.join(tmp, 'suppressions.yaml');
  writeFileSync(badSuppressions, `suppressions:\n  - { "k\\e[2J\\u202e$(touch ${canary})": 1, rule: aws.root-level-scope, identity: x, reason: r, owner: o }\n`);

  const A = ['--config', CONFIG, '--db', path.join(tmp, 'aws.db')];
  const G = ['--config', CONFIG, '--db', path.join(tmp, 'gcp.db')];
  const window = ['--as-of', AS_OF, '--window', '60'];
  const commands: [string, string[]][] = [
    ['audit', [...A, 'audit', '--from', awsWorld.dir, ...window, '--out', path.join(tmp, 'aws-reports'), '--format', 'json,html,sarif,markdown']],
    ['report --agents-only', [...A, 'report', ...window, '--out', path.join(tmp, 'aws-reports-2'), '--format', 'json', '--agents-only']],
    ['explain', [...A, 'explain', HOSTILE.find((h) => h.label === 'bidi')!.text]],
    ['explain (no such identity)', [...A, 'explain', `nobody\x1b[2J\u202e$(touch ${canary})`]],
    ['plan', [...A, 'plan', ...window, '--out', path.join(tmp, 'aws-plan')]],
    ['plan --only (no such suggestion)', [...A, 'plan', ...window, '--out', path.join(tmp, 'aws-plan-2'), '--only', `kw-\x1b]0;title\x07\u202e`]],
    ['ci', [...A, 'ci', ...window, '--json', path.join(tmp, 'ci.json'), '--sarif', path.join(tmp, 'ci.sarif'), '--markdown', path.join(tmp, 'ci.md')]],
    ['ci (bad suppressions)', [...A, 'ci', ...window, '--suppressions', badSuppressions]],
    ['scans', [...A, 'scans']],
    ['schedule --once ingest', ['--config', scheduled, '--db', path.join(tmp, 'aws.db'), 'schedule', '--once', 'ingest']],
    ['runs', ['--config', scheduled, '--db', path.join(tmp, 'aws.db'), 'runs']],
    ['gcp audit', [...G, 'audit', '--from', gcpWorld.dir, '--as-of', AS_OF, '--out', path.join(tmp, 'gcp-reports'), '--format', 'json,html,sarif,markdown']],
    ['gcp explain', [...G, 'explain', '--provider', 'gcp', gcpCi]],
    ['gcp plan', [...G, 'plan', '--provider', 'gcp', '--as-of', AS_OF, '--out', path.join(tmp, 'gcp-plan')]],
    ['gcp ci', [...G, 'ci', '--from', gcpWorld.dir, '--as-of', AS_OF]],
  ];
  for (const [name, args] of commands) runs.push({ name, ...(await cliInProcess(args)) });

  const reports = (dir: string) => ({
    json: reportSchema.parse(readJson(path.join(tmp, dir, 'latest.json'))),
    html: readFileSync(path.join(tmp, dir, 'latest.html'), 'utf8'),
    md: readFileSync(path.join(tmp, dir, 'latest.md'), 'utf8'),
    sarif: readJson<SarifLog>(path.join(tmp, dir, 'latest.sarif')),
  });
  aws = {
    ...reports('aws-reports'),
    ciJson: reportSchema.parse(readJson(path.join(tmp, 'ci.json'))),
    ciMd: readFileSync(path.join(tmp, 'ci.md'), 'utf8'),
    ciSarif: readJson<SarifLog>(path.join(tmp, 'ci.sarif')),
    planMd: readFileSync(path.join(tmp, 'aws-plan', 'plan.md'), 'utf8'),
  };
  gcp = { ...reports('gcp-reports'), planMd: readFileSync(path.join(tmp, 'gcp-plan', 'plan.md'), 'utf8') };
  installFakeCloudCli(tmp);
  plans = [
    { dir: path.join(tmp, 'aws-plan'), entries: await plannedEntries(path.join(tmp, 'aws.db'), 'aws', 60), env: { ACCESS_KEY_ID: 'AKIAQQQQQQQQQQQQQQQQ' } },
    { dir: path.join(tmp, 'gcp-plan'), entries: await plannedEntries(path.join(tmp, 'gcp.db'), 'gcp', 90), env: {} },
  ];
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('hostile names in every output', () => {
  it('every command ran to its documented exit code, and nothing the names contain ran', () => {
    expect(runs.map((r) => [r.name, r.code])).toEqual([
      ['audit', 2], // the damaged CloudTrail file is a gap
      ['report --agents-only', 2],
      ['explain', 0],
      ['explain (no such identity)', 3],
      ['plan', 0],
      ['plan --only (no such suggestion)', 3],
      ['ci', 2],
      ['ci (bad suppressions)', 3],
      ['scans', 0],
      ['schedule --once ingest', 2],
      ['runs', 0],
      ['gcp audit', 0],
      ['gcp explain', 0],
      ['gcp plan', 0],
      ['gcp ci', 1],
    ]);
    for (const r of runs) expect(r.err, r.name).not.toMatch(/internal error/);
    expect(existsSync(canary)).toBe(false);
    expect(readdirSync(projectRoot).filter((f) => f.startsWith('pwned'))).toEqual([]);
  });

  it('terminal: no control, bidi or invisible character reaches stdout or stderr raw; every name is printed, escaped', () => {
    for (const r of runs) {
      for (const [stream, text] of [['stdout', r.out], ['stderr', r.err]] as const) {
        const line = text.split('\n').find((l) => RAW_UNSAFE.test(l));
        expect(line === undefined, `${r.name} ${stream}: ${JSON.stringify(line)}`).toBe(true);
      }
    }
    const all = runs.map((r) => r.out + r.err).join('\n');
    for (const h of HOSTILE) {
      // Findings name the identity by ARN: printed whole, escaped.
      expect(run('audit').out, h.label).toContain(`  ${terminalText(arns.get(h.label)!)}`);
      checked('terminal');
    }
    // Error messages and log lines that quote hostile input.
    expect(run('audit').err).toContain(terminalText(HOSTILE_FILE));
    expect(run('audit').out).toContain(terminalText(hostileAlias(canary)));
    expect(run('explain (no such identity)').err).toContain('nobody\\u001b[2J\\u202e$(touch');
    expect(run('plan --only (no such suggestion)').err).toContain('kw-\\u001b]0;title\\u0007\\u202e');
    expect(run('ci (bad suppressions)').err).toMatch(/^keywarden: .*suppressions\.yaml:2:\d+: suppressions\[0\]\["k\\u001b\[2J\\u202e\$\(touch .*: unknown key/);
    expect(run('schedule --once ingest').err.split('\n').filter(Boolean).every((l) => /^\d{4}-\d\d-\d\dT[\d:.]+Z /.test(l))).toBe(true);
    expect(run('schedule --once ingest').err).toContain(terminalText(HOSTILE_FILE));
    expect(run('runs').out).toMatch(/ingest\tattempt 1\t.*\tincomplete\t/);
    expect(run('gcp explain').out).toContain(terminalText(gcpCi));
    expect(all).toContain('\\u001b[2J');
  });

  it('JSON: valid against the report schema, round-trips, and holds every hostile value byte for byte', () => {
    for (const report of [aws.json, aws.ciJson, gcp.json]) {
      expect(validateReport(JSON.parse(JSON.stringify(report))), JSON.stringify(validateReport.errors?.slice(0, 2))).toBe(true);
      expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    }
    for (const h of HOSTILE) {
      const identity = aws.json.identities.find((i) => i.arn === arns.get(h.label));
      expect(identity?.name, h.label).toBe(h.text);
      expect(identity!.tags[`note-${h.label}`], h.label).toBe(hostileTag(h, canary));
      expect(aws.ciJson.identities.some((i) => i.name === h.text)).toBe(true);
      checked('json');
    }
    expect(aws.json.accounts.find((a) => a.accountId === PROD)!.alias).toBe(hostileAlias(canary));
    expect(aws.json.identities.find((i) => i.arn === arns.get('shell'))!.policies.map((p) => p.name)).toContain(HOSTILE_POLICY.text);
    expect(arns.get('attribute')).toContain(`:role${HOSTILE_PATH.text}`);
    expect(gcp.json.identities.map((i) => i.arn)).toContain(gcpCi);
  });

  describe('HTML in Chromium', () => {
    let browser: Browser;
    beforeAll(async () => void (browser = await launchChromium()), 60_000);
    afterAll(async () => void (await browser?.close()));

    /** What the page may contain after rendering: nothing a name injected. */
    const census = `({
      pwned: window.__pwned ?? null,
      injected: document.querySelectorAll('img, iframe, object, embed, b, svg:not(figure svg), [onerror], [onload], [onclick]').length,
      scripts: document.scripts.length,
      hrefs: [...document.querySelectorAll('a')].map((a) => a.getAttribute('href')).filter((h) => !/^(#[a-z0-9-]+|index\\.html)$/.test(h)),
      title: document.getElementById('detail-title')?.firstChild?.textContent ?? null,
      text: document.getElementById('identity-detail')?.textContent ?? '',
    })`;

    interface Seen {
      pwned: string | null;
      injected: number;
      scripts: number;
      hrefs: string[];
      title: string | null;
      text: string;
    }

    /** Opens the identity's page by its link target and waits for the page's own handler to render it (the CSP forbids evaluated waits). */
    async function showIdentity(page: OpenedPage, arn: string, name: string): Promise<Seen> {
      const n = await page.page.evaluate<number>(`JSON.parse(document.getElementById('kw-data').textContent).identities.findIndex((i) => i.arn === ${JSON.stringify(arn)})`);
      expect(n, arn).toBeGreaterThanOrEqual(0);
      await page.page.evaluate(`location.hash = '#identity-${n}'`);
      for (let tries = 0; ; tries++) {
        const seen = await page.page.evaluate<Seen>(census);
        if (seen.title === name || tries >= 50) return seen;
        await new Promise((r) => setTimeout(r, 50));
      }
    }

    it('shows each hostile name, tag and alias as text on its identity page and runs none of it', async () => {
      const file = path.join(tmp, 'aws-reports', 'latest.html');
      const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(aws.html)![1]!;
      expect(csp).toMatch(/default-src &#39;none&#39;/);
      const page = await openReport(browser, file);
      try {
        for (const h of HOSTILE) {
          const seen = await showIdentity(page, arns.get(h.label)!, h.text);
          expect({ pwned: seen.pwned, injected: seen.injected, scripts: seen.scripts, hrefs: seen.hrefs }, h.label).toEqual({ pwned: null, injected: 0, scripts: 3, hrefs: [] });
          expect(seen.title).toBe(h.text);
          expect(seen.text, h.label).toContain(hostileTag(h, canary));
          checked('html');
        }
        await page.page.evaluate(`location.hash = ''`);
        expect(await page.page.locator('#overview').textContent()).toContain(hostileAlias(canary));
        expect(page.errors).toEqual([]);
        expect(page.requests).toEqual([]);
        expect(page.dialogs).toEqual([]);
        expect(await page.cspViolations()).toEqual([]);
      } finally {
        await page.context.close();
      }
    });

    it('the GCP report: hostile display names, folders and conditions run nothing', async () => {
      const page = await openReport(browser, path.join(tmp, 'gcp-reports', 'latest.html'));
      try {
        for (const identity of gcp.json.identities) {
          const seen = await showIdentity(page, identity.arn, identity.name);
          expect(seen.title).toBe(identity.name);
          expect({ pwned: seen.pwned, injected: seen.injected, scripts: seen.scripts, hrefs: seen.hrefs }).toEqual({ pwned: null, injected: 0, scripts: 3, hrefs: [] });
        }
        expect(page.errors).toEqual([]);
        expect(page.dialogs).toEqual([]);
        expect(await page.cspViolations()).toEqual([]);
      } finally {
        await page.context.close();
      }
    });
  });

  /** Markdown with fenced blocks, code spans and backslash-escaped characters removed: what a renderer would interpret. */
  const prose = (md: string) =>
    md
      .replace(/^(`{3,})[^\n]*\n[\s\S]*?^\1$/gm, '')
      .replace(/(`+)(?:(?!\1)[\s\S])*?\1/g, '')
      .replace(/\\[\s\S]/g, '');

  it('Markdown: no raw HTML, active link, heading or table break from a name; controls escaped; every identity shown', () => {
    const documents = { 'AWS report': aws.md, 'ci --markdown': aws.ciMd, 'AWS plan.md': aws.planMd, 'GCP report': gcp.md, 'GCP plan.md': gcp.planMd };
    // Headings are keywarden's own: a name's `# heading` after a line break stays inside its line.
    const headings = (md: string) => md.split('\n').filter((l) => l.startsWith('#'));
    for (const md of [aws.md, aws.ciMd, gcp.md]) expect(headings(md)).toEqual([expect.stringMatching(/^## keywarden: scan \d+, /), '### Worst open findings']);
    for (const [md, { entries }] of [[aws.planMd, plans[0]!], [gcp.planMd, plans[1]!]] as const) {
      expect(headings(md)).toEqual(['# keywarden plan', ...entries.map((e) => `## ${markdownText(e.suggestion.title)}`)]);
    }
    for (const [name, md] of Object.entries(documents)) {
      const text = prose(md);
      // Raw HTML, a link, an autolink (GitHub links bare URLs, www. and e-mail addresses).
      expect(text, name).not.toMatch(/<[a-z/!?]|\]\(|:\/\/|www\.|\w@\w/i);
      expect(md.split('\n').find((l) => RAW_UNSAFE.test(l)), name).toBeUndefined();
      for (const row of md.split('\n').filter((l) => /^\| (CRITICAL|HIGH|MEDIUM|LOW|INFO) \| `/.test(l))) expect(row.replace(/\\\|/g, '').split('|').length, name).toBe(6);
    }
    const all = Object.values(documents).join('\n');
    for (const h of HOSTILE) {
      const arn = arns.get(h.label)!;
      // The findings table names identities in code spans, plan.md in escaped prose.
      expect(all.includes(codeSpan(arn)) || all.includes(markdownText(arn)), h.label).toBe(true);
      checked('markdown');
    }
  });

  it('SARIF: valid against the SARIF 2.1.0 schema; names are text in messages and exact in locations', () => {
    for (const log of [aws.sarif, aws.ciSarif, gcp.sarif]) expect(validateSarif(JSON.parse(JSON.stringify(log))), JSON.stringify(validateSarif.errors?.slice(0, 2))).toBe(true);
    const results = [...aws.sarif.runs[0]!.results, ...aws.ciSarif.runs[0]!.results];
    for (const h of HOSTILE) {
      const arn = arns.get(h.label)!;
      const mine = results.filter((r) => r.locations[0]!.logicalLocations[0]!.fullyQualifiedName === arn);
      expect(mine.length, h.label).toBeGreaterThan(0);
      for (const r of mine) {
        expect(r.message.text).toContain(sarifText(`(${arn})`));
        // Brackets only escaped: no embedded link can form.
        expect(r.message.text).not.toMatch(/(?<!\\)\]\(/);
      }
      checked('sarif');
    }
    const notification = aws.sarif.runs[0]!.invocations[0]!.toolExecutionNotifications.map((n) => n.message.text).join('\n');
    expect(notification).toContain(sarifText(HOSTILE_FILE));
  });

  it('shell plans: every hostile value arrives as one argument, byte for byte; documents too; nothing else runs', () => {
    const received: string[] = [];
    let scripts = 0;
    for (const { dir, entries, env: inputs } of plans) {
      expect(entries.length).toBeGreaterThan(2);
      for (const { suggestion, plan } of entries) {
        const documents = new Map(plan.documents.map((d) => [d.name, documentText(d.document) + '\n']));
        const env = { ...inputs, KEYWARDEN_SKIP_WAIT: '1', FAKE_ACCOUNT: plan.guard?.expected ?? '', FAKE_PROJECT: plan.guard?.expected ?? '' };
        for (const direction of ['apply', 'rollback'] as const) {
          const steps = direction === 'apply' ? plan.steps : plan.rollback;
          for (const stage of stagesOf(steps)) {
            const file = path.join(dir, suggestion.id, scriptName(direction, stage));
            // Without --yes the script only describes itself: names escaped, nothing run.
            const dry = runScript(file, [], { fakeDir: tmp, work: tmp, env });
            expect(dry.result.status).toBe(2);
            expect(dry.calls).toEqual([]);
            expect(dry.result.stdout.split('\n').find((l) => RAW_UNSAFE.test(l))).toBeUndefined();
            const { result, calls, cwd } = runScript(file, ['--yes'], { fakeDir: tmp, work: tmp, env });
            expect(result.stderr, file).toBe('');
            expect(result.status, file).toBe(0);
            expect(result.stdout.split('\n').find((l) => RAW_UNSAFE.test(l))).toBeUndefined();
            const commands = steps.filter((s) => s.stage === stage).flatMap((s) => s.commands);
            // The guard (account or project check), then exactly the planned commands.
            expect(calls.length).toBe(commands.length + (plan.guard ? 1 : 0));
            commands.forEach((command, k) => received.push(...expectPlannedCall(calls[k + (plan.guard ? 1 : 0)]!, command, env, documents)));
            expect(readdirSync(cwd)).toEqual([]);
            scripts++;
          }
        }
      }
    }
    expect(scripts).toBeGreaterThan(20);
    expect(existsSync(canary)).toBe(false);
    // Every hostile name that has a plan reaches a command or document intact (the long one inside a policy document, the others as arguments).
    const planned = HOSTILE.filter((h) => plans[0]!.entries.some((e) => e.suggestion.identityArn === arns.get(h.label)));
    expect(planned.length).toBeGreaterThanOrEqual(HOSTILE.length - 1);
    for (const h of planned) {
      expect(received.some((a) => a.includes(h.text) || a.includes(JSON.stringify(h.text).slice(1, -1))), h.label).toBe(true);
      checked('shell plans');
    }
    expect(received.some((a) => a.includes(JSON.stringify(HOSTILE_FUNCTION.text).slice(1, -1)))).toBe(true);
    expect(received).toContain(HOSTILE_POLICY.text);
    expect(received.some((a) => a.includes(gcpCi))).toBe(true);
  });
});
