/**
 * How long one attempt of a cloud API call may take, connection to last
 * byte, before it fails (and is retried, bounded). The AWS and Google SDKs
 * wait for ever by default: a server that never answers would hang a run.
 * Config: `liveAws.requestTimeoutSeconds`, `gcp.live.requestTimeoutSeconds`.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
