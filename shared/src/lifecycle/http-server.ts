import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';

export interface HttpServerOptions {
  port: number;
  host?: string;
  /** Slow-header clients are cut after this (slowloris). */
  headersTimeoutMs?: number;
  /** Whole request, headers and body, must arrive within this. */
  requestTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  maxRequestsPerSocket?: number;
  maxHeaderSize?: number;
  /** How long close() lets in-flight requests finish before cutting connections. */
  drainTimeoutMs?: number;
}

export interface RunningServer {
  server: http.Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function listen(
  app: RequestListener,
  options: HttpServerOptions,
): Promise<RunningServer> {
  const server = http.createServer(
    {
      maxHeaderSize: options.maxHeaderSize ?? 16 * 1024,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      // Node enforces the header/request timeouts when it sweeps connections (30 s by default):
      // sweep often enough that a slow client is cut within a second of its timeout.
      connectionsCheckingInterval: Math.max(
        100,
        Math.min(1000, (options.headersTimeoutMs ?? 10_000) / 2),
      ),
    },
    app,
  );
  server.headersTimeout = options.headersTimeoutMs ?? 10_000;
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 5_000;
  server.maxRequestsPerSocket = options.maxRequestsPerSocket ?? 1000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  const drainTimeoutMs = options.drainTimeoutMs ?? 10_000;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      // Stop accepting; idle keep-alive sockets go now, busy ones when their response ends.
      server.close(() => {
        resolve();
      });
      server.closeIdleConnections();
      setTimeout(() => {
        server.closeAllConnections();
      }, drainTimeoutMs).unref();
    });
    return closing;
  };
  return { server, port, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, close };
}
