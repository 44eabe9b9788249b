/**
 * An OTLP/HTTP trace receiver in the test process: what a collector is to the services. It takes
 * `POST /v1/traces` bodies in the protocol's default encoding (protobuf), answers as a collector
 * does, and decodes the spans (otlp-protobuf.ts), so tests see what really left each service. The
 * raw bodies are kept too, for byte-level secret scans.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { decodeExportRequest, type ReceivedSpan } from './otlp-protobuf.js';

export type { ReceivedSpan } from './otlp-protobuf.js';

export interface OtlpReceiver {
  /** The value for OTEL_EXPORTER_OTLP_ENDPOINT. */
  endpoint: string;
  spans: ReceivedSpan[];
  bodies: Buffer[];
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const bodies: Buffer[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      const body = Buffer.concat(chunks);
      bodies.push(body);
      spans.push(...decodeExportRequest(body));
      // An empty ExportTraceServiceResponse: everything accepted.
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${String(port)}`,
    spans,
    bodies,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}
