/**
 * Is an identity used by an AI agent or other automation? Attributed from
 * the config's `agents` rules, with every reason spelled out so a reviewer
 * can check it:
 *   - tags and names and ARNs: what the owner declared (authoritative);
 *   - CloudTrail userAgents: what callers sent. A hint, not proof (any
 *     caller can send any userAgent), so each reason quotes the string and
 *     how many calls carried it.
 *
 * A userAgent led by a tool people drive by hand (aws-cli, the console, a
 * browser) is not evidence even when it embeds an SDK; only the app id or
 * execution environment the caller set (`app/…`, `exec-env/…`) is examined
 * there. See src/config/defaults.ts for the built-in lists.
 */
import type { Identity } from '../model/domain.js';
import type { AgentsConfig } from '../config/schema.js';
import { globMatches, printable, userAgentMatches } from '../config/patterns.js';

export interface UserAgentCount {
  userAgent: string;
  count: number;
}

export interface AgentAttribution {
  agent: boolean;
  /** One line per piece of evidence; empty when not an agent. */
  reasons: string[];
}

/** userAgent reasons kept per identity; the rest are summarised in one line. */
const MAX_USER_AGENT_REASONS = 5;

export function attributeAgent(
  identity: Identity,
  userAgents: readonly UserAgentCount[],
  config: { agents: AgentsConfig },
): AgentAttribution {
  const rules = config.agents;
  const reasons: string[] = [];

  for (const rule of rules.tags) {
    const tag = Object.entries(identity.tags).find(([k, v]) => globMatches(rule.key, k) && globMatches(rule.value, v));
    if (tag) reasons.push(`tag ${printable(tag[0])}=${printable(tag[1])} matches ${rule.key}=${rule.value}`);
  }
  const name = rules.names.find((p) => globMatches(p, identity.name));
  if (name) reasons.push(`name ${printable(identity.name)} matches ${name}`);
  const arn = rules.arns.find((p) => globMatches(p, identity.arn));
  if (arn) reasons.push(`arn ${printable(identity.arn)} matches ${arn}`);

  const matched: { userAgent: string; count: number; pattern: string }[] = [];
  for (const { userAgent, count } of mergeCounts(userAgents)) {
    const pattern = agentPatternFor(userAgent, rules);
    if (pattern !== undefined) matched.push({ userAgent, count, pattern });
  }
  matched.sort((a, b) => b.count - a.count || (a.userAgent < b.userAgent ? -1 : 1));
  for (const m of matched.slice(0, MAX_USER_AGENT_REASONS)) {
    reasons.push(`CloudTrail userAgent "${printable(m.userAgent)}" (${calls(m.count)}) matches ${m.pattern}`);
  }
  const rest = matched.slice(MAX_USER_AGENT_REASONS);
  if (rest.length > 0) {
    const total = rest.reduce((n, m) => n + m.count, 0);
    reasons.push(`and ${rest.length} more matching userAgent${rest.length === 1 ? '' : 's'} (${calls(total)})`);
  }

  return { agent: reasons.length > 0, reasons };
}

const calls = (n: number) => `${n} call${n === 1 ? '' : 's'}`;

/** The same userAgent may arrive split across days or credentials. */
function mergeCounts(userAgents: readonly UserAgentCount[]): UserAgentCount[] {
  const byString = new Map<string, number>();
  for (const { userAgent, count } of userAgents) {
    if (userAgent.trim() === '') continue;
    byString.set(userAgent, (byString.get(userAgent) ?? 0) + (Number.isFinite(count) ? count : 0));
  }
  return [...byString].map(([userAgent, count]) => ({ userAgent, count }));
}

/** The first agent pattern this userAgent matches, honouring the human-tool rule. */
function agentPatternFor(userAgent: string, rules: AgentsConfig): string | undefined {
  if (!isHumanLed(userAgent, rules.humanUserAgents)) {
    return rules.userAgents.find((p) => userAgentMatches(p, userAgent));
  }
  const declared = declaredIds(userAgent);
  return rules.userAgents.find((p) => declared.some((id) => userAgentMatches(p, id)));
}

/** Leading product: the text before the first `/` or `,` (`aws-cli`, `S3Console`, `AWS Internal`). */
function isHumanLed(userAgent: string, humanPatterns: readonly string[]): boolean {
  const end = userAgent.search(/[/,]/);
  const lead = (end === -1 ? userAgent : userAgent.slice(0, end)).trim();
  return humanPatterns.some((p) => globMatches(p, lead));
}

/** Values of `app/…` (AWS_SDK_UA_APP_ID) and `exec-env/…` (AWS_EXECUTION_ENV) segments. */
function declaredIds(userAgent: string): string[] {
  return [...userAgent.matchAll(/(?:^|\s)(?:app|exec-env)\/(\S+)/gi)].map((m) => m[1]!);
}
