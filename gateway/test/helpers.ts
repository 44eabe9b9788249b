import http from 'node:http';
import net from 'node:net';

import { readConfig, type Config } from '../src/config.js';

/** A port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An upstream that accepts connections and never answers: the slow-service case. */
export async function silentUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export function gatewayConfig(env: Record<string, string>): Config {
  return readConfig({
    NODE_ENV: 'test',
    GATEWAY_PORT: '0',
    GATEWAY_ADMIN_PORT: '0',
    CORS_ORIGINS: 'https://app.example.com',
    ...env,
  });
}

/** An upstream that answers with the headers it received, to observe what the gateway forwards. */
export async function headerEchoUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    res.setHeader('Server', 'upstream/1.0');
    res.setHeader('X-Powered-By', 'upstream');
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ headers: req.headers, url: req.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
