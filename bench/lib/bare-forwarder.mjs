// The calibration of scenario 1: the leanest forwarder the gateway could be, measured in the same
// run, on the same machine and against the same user-service as the gateway. node:http and
// http-proxy-middleware 3 (the gateway's proxy library) with a keep-alive agent, and nothing else:
// no request id, headers, log line, metrics, limits, token or body check. The calibration
// of this forwarder (90-112 µs of CPU per request on an idle 2-core machine with a tiny upstream)
// is what the 200 µs target was set against; dividing the gateway's CPU by this forwarder's, from
// the same run, compares them on whatever host the bench runs.
//
// The floor scenario (bench/lib/floor.mjs) adds, one at a time, what every gateway request must
// do whatever code does it, with the libraries the gateway uses and none of its own code:
//   BARE_REDIS_URL    the one round trip to Redis before forwarding (a limit counted and three
//                     keys read in one script, through ioredis with the gateway's client options);
//   BARE_CONTEXT=1    a request id of its own per request, kept in an AsyncLocalStorage for every
//                     log line, sent back and forwarded as X-Request-ID;
//   BARE_ACCESS_LOG=1 one pino line per request at `finish` (method, path, status, duration and
//                     the request id), to stdout in 4 KiB batches as the services write theirs.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import http from 'node:http';

import { createProxyMiddleware } from 'http-proxy-middleware';
import { Redis } from 'ioredis';
import pino from 'pino';

const target = process.env.USER_SERVICE_URL;
const port = Number(process.env.GATEWAY_PORT);
const proxy = createProxyMiddleware({
  target,
  agent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
});

// The shape of the gateway's script: count one fixed window, then read the keys named.
const COUNT_AND_READ = `
redis.call('SET', KEYS[1], 0, 'EX', ARGV[1], 'NX')
local out = { redis.call('INCRBY', KEYS[1], 1), redis.call('PTTL', KEYS[1]) }
for i = 2, #KEYS do out[#out + 1] = redis.call('GET', KEYS[i]) end
return out`;

function redisRoundTrip(url) {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    commandTimeout: 2000,
    enableAutoPipelining: true,
  });
  redis.defineCommand('countAndRead', { numberOfKeys: 4, lua: COUNT_AND_READ });
  // Under the run's own prefix (removed with the run); the counter expires after its window.
  const prefix = `${process.env.BARE_REDIS_PREFIX ?? 'bench-bare:'}floor:${process.pid}:`;
  return (req) =>
    redis.countAndRead(
      `${prefix}rl:${req.socket.remoteAddress}`,
      `${prefix}revoked:jti`,
      `${prefix}revoked:sid`,
      `${prefix}revoked:sub`,
      60,
    );
}

const context = new AsyncLocalStorage();
const withContext = process.env.BARE_CONTEXT === '1';
const roundTrip = process.env.BARE_REDIS_URL
  ? redisRoundTrip(process.env.BARE_REDIS_URL)
  : undefined;
const accessLog =
  process.env.BARE_ACCESS_LOG === '1'
    ? pino(
        {
          base: { service: 'bare' },
          timestamp: pino.stdTimeFunctions.isoTime,
          formatters: { level: (label) => ({ level: label }) },
          mixin: () => {
            const store = context.getStore();
            return store ? { request_id: store.requestId } : {};
          },
        },
        pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 250 }),
      )
    : undefined;

const forward = (req, res) => void proxy(req, res, () => res.writeHead(404).end());

function handle(req, res) {
  if (accessLog) {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      accessLog.info(
        {
          method: req.method,
          path: req.url,
          status: res.statusCode,
          duration_ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request',
      );
    });
  }
  if (!roundTrip) {
    forward(req, res);
    return;
  }
  roundTrip(req).then(
    () => forward(req, res),
    () => res.writeHead(503).end(),
  );
}

const server = http.createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    return;
  }
  if (!withContext) {
    handle(req, res);
    return;
  }
  const requestId = randomUUID();
  req.headers['x-request-id'] = requestId;
  res.setHeader('X-Request-ID', requestId);
  context.run({ requestId }, () => handle(req, res));
});
server.listen(port, '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
