// The calibration of scenario 1: the leanest forwarder the gateway could be, measured in the same
// run, on the same machine and against the same user-service as the gateway. node:http and
// http-proxy-middleware 3 (the gateway's proxy library) with a keep-alive agent, and nothing else:
// no request id, headers, log line, metrics, limits, token or body check. The calibration
// of this forwarder (90-112 µs of CPU per request on an idle 2-core machine with a tiny upstream)
// is what the 200 µs target was set against; dividing the gateway's CPU by this forwarder's, from
// the same run, compares them on whatever host the bench runs.
import http from 'node:http';

import { createProxyMiddleware } from 'http-proxy-middleware';

const target = process.env.USER_SERVICE_URL;
const port = Number(process.env.GATEWAY_PORT);
const proxy = createProxyMiddleware({
  target,
  agent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
});

const server = http.createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    return;
  }
  void proxy(req, res, () => res.writeHead(404).end());
});
server.listen(port, '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
