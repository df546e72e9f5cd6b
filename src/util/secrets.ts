/**
 * Redaction of secret-shaped text. Tags, user agents and error messages come
 * from the cloud account or from files an attacker may have touched, and a
 * credential pasted into one of them must not be copied into the database,
 * a report or a log line (DESIGN.md: secrets never touch disk or logs).
 * Key ids (AKIA…, ASIA…) are not secrets and are kept.
 */

export const REDACTED = '[redacted]';

/** Names under which a value is a secret whatever it looks like. */
const SECRET_NAME = /secret|passw(?:or)?d|passphrase|pwd|token|private[-_ ]?key|api[-_ ]?key|credential|bearer|authorization|session[-_ ]?key|signature/i;

const B64 = 'A-Za-z0-9/+';

/** Each pattern matches a secret (or, with a lookbehind, the secret part of an assignment or URL). */
const SECRET_PATTERNS: readonly RegExp[] = [
  /-----BEGIN[A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END[A-Z ]*PRIVATE KEY-----|$)/g,
  // "Authorization: Bearer x", "token x": the scheme stays, the credential goes.
  /(?<=\b(?:Bearer|Basic|Token|Digest)\s+)[A-Za-z0-9._~+/=-]{8,}/gi,
  // key=value and key: value assignments under a secret-sounding name.
  /(?<=(?:secret|passw(?:or)?d|token|api[-_]?key|private[-_]?key|signature|sig|credential)[\w-]*["']?\s*[=:]\s*["']?)[^\s"'&,;]{6,}/gi,
  // JSON Web Tokens, OAuth access tokens and well-known API token formats.
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*)?/g,
  /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|glpat-[\w-]{20,}|sk-[\w-]{20,}|AIza[\w-]{35}|ya29\.[\w.-]{20,})/g,
  // URL credentials: user:password@host and the secret path of Slack-style webhooks.
  /(?<=:\/\/[^/\s:@]+:)[^@\s/]+(?=@)/g,
  /(?<=hooks\.slack\.com\/(?:services|workflows)\/)[A-Za-z0-9/_-]+/g,
  // Long base64 runs: STS session tokens, key material.
  new RegExp(`[${B64}]{100,}={0,2}`, 'g'),
  // An AWS secret access key: exactly 40 base64 characters with upper, lower and digit-or-symbol.
  new RegExp(`(?<![${B64}=])[${B64}]{40}(?![${B64}=])`, 'g'),
];

function looksLikeAwsSecret(match: string): boolean {
  return match.length !== 40 || (/[A-Z]/.test(match) && /[a-z]/.test(match) && /[0-9/+]/.test(match));
}

/** `text` with every secret-shaped part replaced by [redacted]. */
export function redactSecrets(text: string): string {
  let result = text;
  for (const pattern of SECRET_PATTERNS) {
    result = result.replace(pattern, (match) => (looksLikeAwsSecret(match) ? REDACTED : match));
  }
  return result;
}

/** A tag (or any named value): redacted whole when its name says it is a secret, else by shape. */
export function redactNamedValue(name: string, value: string): string {
  if (value !== '' && SECRET_NAME.test(name)) return REDACTED;
  return redactSecrets(value);
}

/**
 * A value quoted in an error message: short values verbatim (typos are worth
 * seeing), long ones by length only, since a long string in the wrong place
 * is as likely a pasted token as a mistake.
 */
export function quoteInMessage(value: string, max = 24): string {
  const clean = redactSecrets(value);
  return clean.length <= max && clean === value ? JSON.stringify(value) : `a text of ${value.length} characters`;
}
