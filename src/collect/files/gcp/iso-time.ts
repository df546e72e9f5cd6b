/** RFC 3339 in any precision -> one ISO form, so the API's and gcloud's renderings compare equal; undefined when not a time. */
export function isoTime(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
