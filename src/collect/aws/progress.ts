/**
 * Progress events of a live collection. Collectors only emit them; the CLI
 * decides how to show them (a live status on a terminal, log lines in CI).
 */
export type CollectPhase =
  | 'identity'
  | 'authorization-details'
  | 'access-keys'
  | 'credential-report'
  | 'access-advisor'
  | 'cloudtrail-s3'
  | 'done';

export interface ProgressEvent {
  /** Account id, or `aws` for organisation-wide steps. */
  account: string;
  phase: CollectPhase;
  /** Units done / expected in this phase (pages, jobs, objects). */
  done?: number;
  total?: number;
  /** Jobs still running (Access Advisor) or events ingested (CloudTrail). */
  pending?: number;
  events?: number;
  message?: string;
}

export type ProgressSink = (event: ProgressEvent) => void;

export const noProgress: ProgressSink = () => {};
