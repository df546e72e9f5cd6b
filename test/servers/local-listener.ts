/**
 * Starts an HTTP server on 127.0.0.1 (a free port) for the API test servers,
 * and stops it without waiting on hung requests or idle keep-alive
 * connections (fault injection leaves some open on purpose).
 */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';

export async function listenLocally(server: http.Server): Promise<{ port: number; endpoint: string }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { port, endpoint: `http://127.0.0.1:${port}` };
}

export function stopListening(server: http.Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
}
