import net from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { captureLogger } from '@secure-api/shared/testing';

import { startServer, type RunningGateway } from '../src/api/server.js';
import { gatewayConfig, headerEchoUpstream } from './helpers.js';

interface RawExchange {
  /** Everything the gateway sent back. */
  response: string;
  /** Milliseconds from the first byte sent until the gateway closed the connection. */
  closedAfterMs: number;
}

/**
 * Writes `bytes` on a raw socket, sends nothing more, and waits for the gateway to close the
 * connection (or `giveUpMs`). Only a raw socket can stall mid-request the way an attacker does.
 */
function stall(url: string, bytes: string, giveUpMs = 5000): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    let started = 0;
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`still connected after ${giveUpMs} ms`));
    }, giveUpMs);
    socket.on('connect', () => {
      started = Date.now();
      socket.write(bytes);
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(giveUp);
      resolve({
        response: Buffer.concat(chunks).toString('utf8'),
        closedAfterMs: Date.now() - started,
      });
    });
  });
}

describe('clients that are slow or send too much', () => {
  let upstream: Awaited<ReturnType<typeof headerEchoUpstream>>;
  let gateway: RunningGateway;

  beforeAll(async () => {
    upstream = await headerEchoUpstream('auth');
    gateway = await startServer(
      gatewayConfig({
        AUTH_SERVICE_URL: upstream.url,
        HEADERS_TIMEOUT_MS: '500',
        REQUEST_TIMEOUT_MS: '1000',
      }),
      captureLogger('gateway').logger,
    );
  });

  afterAll(async () => {
    await gateway.close();
    await upstream.close();
  });

  it('a client that sends part of its headers and then nothing is cut by the headers timeout', async () => {
    const { response, closedAfterMs } = await stall(
      gateway.url,
      'POST /api/v1/auth/login HTTP/1.1\r\nHost: gateway\r\nContent-Type: appl',
    );

    expect(response === '' || response.startsWith('HTTP/1.1 408')).toBe(true);
    expect(closedAfterMs).toBeGreaterThanOrEqual(450);
    // The 500 ms timeout plus at most one sweep of the connections, not Node's 30-second default.
    expect(closedAfterMs).toBeLessThan(2000);
  });

  it('a client that sends its headers but trickles the body is cut by the request timeout', async () => {
    const { response, closedAfterMs } = await stall(
      gateway.url,
      'POST /api/v1/auth/login HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n' +
        'Content-Length: 100\r\n\r\n{"email":',
    );

    expect(response === '' || response.startsWith('HTTP/1.1 408')).toBe(true);
    expect(closedAfterMs).toBeGreaterThanOrEqual(950);
    expect(closedAfterMs).toBeLessThan(2500);
  });

  it('a 1 MB body is refused with 413 from its Content-Length, before the rest is sent, and the connection closed', async () => {
    const { response, closedAfterMs } = await stall(
      gateway.url,
      'POST /api/v1/auth/register HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n' +
        'Content-Length: 1048576\r\n\r\n{"username":',
    );

    expect(response).toMatch(/^HTTP\/1\.1 413 /);
    expect(response.toLowerCase()).toContain('content-type: application/problem+json');
    expect(response).toContain('"detail":"Request body exceeds the 16384-byte limit"');
    // Not held open waiting for the megabyte (the request timeout here is 1000 ms).
    expect(closedAfterMs).toBeLessThan(500);
  });

  it('headers over 16 KiB are refused with 431', async () => {
    const { response } = await stall(
      gateway.url,
      `GET /health HTTP/1.1\r\nHost: gateway\r\nX-Padding: ${'a'.repeat(20 * 1024)}\r\n\r\n`,
    );

    expect(response).toMatch(/^HTTP\/1\.1 431 /);
  });
});
