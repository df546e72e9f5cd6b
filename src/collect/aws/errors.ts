/** One-line descriptions of SDK errors for coverage reasons (never carrying credentials). */

/** `AccessDenied (403): User ... is not authorized ...` from an SDK service exception, or the error's message. */
export function describeAwsError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const code = err.name && err.name !== 'Error' ? err.name : undefined;
  const head = code ? `${code}${status ? ` (${status})` : ''}: ` : '';
  return `${head}${err.message}`.replace(/\s*\n\s*/g, ' ').trim();
}

/** True for errors meaning "keywarden's credentials may not do this", as opposed to outages. */
export function isAccessDenied(err: unknown): boolean {
  const name = (err as { name?: string })?.name ?? '';
  return /AccessDenied|UnauthorizedOperation|NotAuthorized|AuthorizationError/i.test(name);
}
