/**
 * Generated scripts executed by /bin/sh against a fake `aws` first on PATH
 * (test/helpers/fake-cloud-cli.ts) that records its argv and the documents it is handed:
 * hostile names (spaces, quotes, `$`, backticks, newlines, `;`) must arrive
 * as exactly the intended arguments, and nothing else may run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentText, writePlan } from '../../src/suggest/plan-writer.js';
import { scriptName, stagesOf } from '../../src/suggest/script.js';
import { heredocDelimiter, shellQuote } from '../../src/suggest/shell-quote.js';
import type { SuggestionWithPlan } from '../../src/suggest/types.js';
import { expectPlannedCall, installFakeCloudCli, runScript as runFake } from '../helpers/fake-cloud-cli.js';
import { AS_OF, PROD } from '../helpers/scenario.js';
import { suggestionsOf } from './pipeline.js';

const HOSTILE = `evil name'"$HOME\`touch pwned-bt\`;touch pwned-semi $(touch pwned-sub)\nsecond line\\`;
const USER = `arn:aws:iam::${PROD}:user/${HOSTILE}`;
const BUCKET = `arn:aws:s3:::bucket-'$(touch pwned-doc)\`x\`\nKEYWARDEN_EOF\n`;
const KEY_ID = 'AKIAABCDEFGHIJKLMNOP';

let work: string;
let entries: SuggestionWithPlan[];

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'kw-hostile-'));
  const inWindow = '2026-11-10';
  const { suggestions } = await suggestionsOf(
    {
      identities: [
        {
          arn: USER,
          tags: { agent: HOSTILE },
          policies: [
            {
              name: `pol'$(touch pwned-pol)`,
              document: {
                Version: '2012-10-17',
                Statement: [
                  { Effect: 'Allow', Action: 's3:GetObject', Resource: BUCKET },
                  { Effect: 'Allow', Action: 'ec2:*', Resource: '*' },
                ],
              },
            },
          ],
          credentials: [
            { id: KEY_ID, kind: 'access-key', active: true, createdAt: '2024-01-01T00:00:00Z' },
            { id: `${USER}#access_key_2`, kind: 'access-key', active: true, createdAt: '2026-10-01T00:00:00Z', lastUsedAt: `${inWindow}T08:00:00Z` },
          ],
        },
      ],
      usage: [{ identityArn: USER, credentialId: '', action: 's3:GetObject', day: inWindow, count: 4, denied: 0, lastSeen: `${inWindow}T09:00:00Z` }],
      accessAdvisor: [
        {
          identityArn: USER,
          granularity: 'SERVICE_LEVEL',
          completedAt: AS_OF.toISOString(),
          services: [{ namespace: 'ec2' }, { namespace: 's3', lastAuthenticated: `${inWindow}T09:00:00Z` }],
        },
      ],
    },
    { windowDays: 60 },
  );
  entries = suggestions;
  writePlan(path.join(work, 'plan'), entries, 'test plan');
  installFakeCloudCli(work);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

function runScript(file: string, args: string[], env: Record<string, string> = {}) {
  return runFake(file, args, { fakeDir: work, work, env: { FAKE_ACCOUNT: PROD, ...env } });
}

describe('shellQuote', () => {
  it('round-trips hostile values through a real shell', () => {
    for (const value of [HOSTILE, '', "'", "''", 'a b', '$(x)', '`x`', 'x;y', '\n', '-n', '*', '~']) {
      const r = spawnSync('/bin/sh', ['-c', `printf '%s' ${shellQuote(value)}`], { encoding: 'utf8' });
      expect(r.stdout).toBe(value);
    }
  });
  it('picks a heredoc delimiter absent from the content', () => {
    const content = 'a\nKEYWARDEN_EOF\nKEYWARDEN_EOF_1\nb';
    const d = heredocDelimiter(content);
    expect(content.split('\n')).not.toContain(d);
  });
});

describe('generated scripts with hostile names', () => {
  it('produces the expected kinds for the hostile user', () => {
    const kinds = entries.map((e) => e.suggestion.kind).sort();
    expect(kinds).toEqual(expect.arrayContaining(['deactivate-unused-access-key', 'replace-with-least-privilege']));
  });

  it('refuses without --yes and runs nothing', () => {
    for (const { suggestion, plan } of entries) {
      for (const stage of stagesOf(plan.steps)) {
        const { result, calls, cwd } = runScript(path.join(work, 'plan', suggestion.id, scriptName('apply', stage)), []);
        expect(result.status).toBe(2);
        expect(result.stderr).toContain('pass --yes');
        expect(calls).toEqual([]);
        expect(readdirSync(cwd)).toEqual([]);
      }
    }
  });

  it('refuses with the wrong account and changes nothing', () => {
    const { suggestion } = entries[0]!;
    const { result, calls } = runScript(path.join(work, 'plan', suggestion.id, scriptName('apply', 1)), ['--yes'], {
      FAKE_ACCOUNT: '999999999999',
      ACCESS_KEY_ID: 'AKIAZZZZZZZZZZZZZZZZ',
    });
    expect(result.status).toBe(3);
    expect(calls.map((c) => c.argv.slice(0, 2))).toEqual([['sts', 'get-caller-identity']]);
  });

  it('passes every argument exactly, documents byte for byte, and runs nothing else', () => {
    const env = { ACCESS_KEY_ID: 'AKIAQQQQQQQQQQQQQQQQ', KEYWARDEN_SKIP_WAIT: '1' };
    let checked = 0;
    for (const { suggestion, plan } of entries) {
      const documents = new Map(plan.documents.map((d) => [d.name, documentText(d.document) + '\n']));
      for (const direction of ['apply', 'rollback'] as const) {
        const steps = direction === 'apply' ? plan.steps : plan.rollback;
        for (const stage of stagesOf(steps)) {
          const file = path.join(work, 'plan', suggestion.id, scriptName(direction, stage));
          const { result, calls, cwd } = runScript(file, ['--yes'], env);
          expect(result.stderr).toBe('');
          expect(result.status).toBe(0);
          const commands = steps.filter((s) => s.stage === stage).flatMap((s) => s.commands);
          // The account check, then exactly the planned commands, in order.
          expect(calls.length).toBe(commands.length + 1);
          expect(calls[0]!.argv).toEqual(['sts', 'get-caller-identity', '--query', 'Account', '--output', 'text']);
          commands.forEach((command, k) => {
            expect(command.argv[0]).toBe('aws');
            expectPlannedCall(calls[k + 1]!, command, env, documents);
            checked++;
          });
          // Nothing the names contain ran: no file appeared in the working directory.
          expect(readdirSync(cwd)).toEqual([]);
        }
      }
    }
    expect(existsSync(path.join(work, 'pwned-sub'))).toBe(false);
    expect(checked).toBeGreaterThan(5);
  });

  it('carries the hostile bucket name into the replacement verbatim', () => {
    const replace = entries.find((e) => e.suggestion.kind === 'replace-with-least-privilege')!;
    expect(JSON.stringify(replace.suggestion.replacement?.document)).toContain(JSON.stringify(BUCKET).slice(1, -1));
  });

  it('writes scripts owner-only and executable, documents owner-only', () => {
    const { suggestion } = entries[0]!;
    const dir = path.join(work, 'plan', suggestion.id);
    expect(statSync(path.join(dir, scriptName('apply', 1))).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(work, 'plan', 'plan.md')).mode & 0o777).toBe(0o600);
  });
});
