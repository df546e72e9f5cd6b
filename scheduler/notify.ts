/**
 * Tells someone a run finished or failed: the run summary as JSON, POSTed to
 * a webhook and/or written to a command's stdin (run without a shell, so no
 * quoting bugs or injection through the summary). The summary carries
 * outcome, coverage and counts only: never secrets, never policy text.
 */
import { spawn } from 'node:child_process';
import type { RunRecord } from './run-log.js';

export interface NotifyConfig {
  command?: string[];
  webhook?: string;
}

export interface RunSummary {
  tool: 'keywarden';
  event: 'run.finished' | 'run.failed';
  /** One line for chat webhooks (Slack, Mattermost and Teams read `text`). */
  text: string;
  run: Pick<RunRecord, 'id' | 'kind' | 'attempt' | 'startedAt' | 'finishedAt' | 'outcome' | 'scanId' | 'coverageComplete' | 'counts' | 'error' | 'host'>;
}

export function summaryOf(run: RunRecord): RunSummary {
  const { id, kind, attempt, startedAt, finishedAt, outcome, scanId, coverageComplete, counts, error, host } = run;
  const coverage = coverageComplete === null ? '' : coverageComplete ? ', coverage complete' : ', COVERAGE INCOMPLETE';
  const findings = counts?.findings === undefined ? '' : `, ${counts.findings} findings (${counts.openFindings ?? '?'} open)`;
  return {
    tool: 'keywarden',
    event: outcome === 'ok' || outcome === 'incomplete' ? 'run.finished' : 'run.failed',
    text: `keywarden ${kind} run ${id} on ${host}: ${outcome}${findings}${coverage}${error ? ` (${error})` : ''}`,
    run: { id, kind, attempt, startedAt, finishedAt, outcome, scanId, coverageComplete, counts, error, host },
  };
}

const TIMEOUT_MS = 10_000;

/** Sends the summary everywhere configured; returns one line per problem (a failed notification never fails the run). */
export async function notify(summary: RunSummary, config: NotifyConfig | undefined): Promise<string[]> {
  const body = JSON.stringify(summary);
  const problems: string[] = [];
  if (config?.webhook) {
    try {
      const res = await fetch(config.webhook, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'keywarden-scheduler' },
        body,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (!res.ok) problems.push(`webhook ${redactUrl(config.webhook)} answered HTTP ${res.status}`);
    } catch (error) {
      problems.push(`webhook ${redactUrl(config.webhook)} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (config?.command) {
    const problem = await runCommand(config.command, body);
    if (problem) problems.push(problem);
  }
  return problems;
}

/** A webhook URL may carry a token in its path or query: logs show only scheme, host and port. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '(invalid URL)';
  }
}

function runCommand([program, ...args]: string[], input: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(program!, args, { stdio: ['pipe', 'ignore', 'ignore'], timeout: TIMEOUT_MS });
    child.on('error', (error) => resolve(`notify command ${program} could not run: ${error.message}`));
    child.on('close', (code, signal) => resolve(code === 0 ? undefined : `notify command ${program} exited with ${signal ?? code}`));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}
