/**
 * The gax clients return protobuf objects (Timestamp as {seconds, nanos},
 * Struct as {fields}); gcloud and the REST API print their JSON mapping.
 * These convert the former into the latter so live and offline data go
 * through one transform.
 */
import type { protos } from '@google-cloud/recommender';

type ITimestamp = protos.google.protobuf.ITimestamp;
type IDuration = protos.google.protobuf.IDuration;
type IStruct = protos.google.protobuf.IStruct;
type IValue = protos.google.protobuf.IValue;

const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number((v as { toString(): string } | null)?.toString() ?? NaN));

export function timestampJson(ts: ITimestamp | null | undefined): string | undefined {
  if (!ts || ts.seconds === undefined || ts.seconds === null) return undefined;
  const ms = num(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

export function durationJson(d: IDuration | null | undefined): string | undefined {
  if (!d || d.seconds === undefined || d.seconds === null) return undefined;
  return `${num(d.seconds)}s`;
}

export function valueJson(v: IValue | null | undefined): unknown {
  if (!v) return null;
  if (v.structValue) return structJson(v.structValue);
  if (v.listValue) return (v.listValue.values ?? []).map(valueJson);
  if (v.stringValue !== undefined && v.stringValue !== null) return v.stringValue;
  if (v.numberValue !== undefined && v.numberValue !== null) return v.numberValue;
  if (v.boolValue !== undefined && v.boolValue !== null) return v.boolValue;
  return null;
}

/** A Struct as plain JSON; an already-plain object (some transports decode it) is returned as is. */
export function structJson(s: IStruct | Record<string, unknown> | null | undefined): Record<string, unknown> {
  if (!s) return {};
  const fields = (s as IStruct).fields;
  if (!fields || typeof fields !== 'object') return s as Record<string, unknown>;
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, valueJson(v)]));
}

/** Enum fields arrive as names or numbers depending on the transport; keep names. */
export function enumName(value: unknown, names: Record<number, string>): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return names[value];
  return undefined;
}
