/** AWS tags arrive as `[{Key, Value}]` (IAM, Organizations) or, in hand-written account.json, as a plain record. */
export function tagsToRecord(tags: { Key?: string; Value?: string }[] | Record<string, string> | undefined): Record<string, string> {
  if (!tags) return {};
  if (!Array.isArray(tags)) return { ...tags };
  const record: Record<string, string> = {};
  for (const { Key, Value } of tags) if (Key !== undefined) record[Key] = Value ?? '';
  return record;
}
