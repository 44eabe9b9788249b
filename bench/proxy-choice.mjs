// Which forwarder for the gateway's proxied routes: CPU of the forwarding process per request
// (from /proc), 20 connections, a small JSON upstream, every candidate in its own child process,
// rounds interleaved. The candidates are not all dependencies of the project: install them into
// a scratch directory and name it (npm aliases keep both majors of http-proxy-middleware apart):
//   mkdir /tmp/proxies && cd /tmp/proxies && npm init -y && npm i hpm3@npm:http-proxy-middleware@3 \
//     hpm4@npm:http-proxy-middleware@4 http-proxy@1 undici@7 express@5
//   node bench/proxy-choice.mjs /tmp/proxies [seconds per run, 5] [rounds, 2]
import { fork } from 'node:child_process';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

import autocannon from 'autocannon';

import { cpuMeter } from './lib/probes.mjs';

const CONNECTIONS = 20;
const BODY = JSON.stringify({ id: '6f1c3c4e-0000-4000-8000-000000000000', username: 'someone' });

// Request headers that describe the client's connection, not the request (RFC 9110 §7.6.1).
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te']);
const endToEnd = (headers) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));

/** Each candidate: a request listener forwarding everything to `target`. */
const CANDIDATES = {
  'express 5 + http-proxy-middleware 3': (load, target) =>
    expressWith(load, load('hpm3').createProxyMiddleware({ target, agent: keepAlive() })),
  'express 5 + http-proxy-middleware 4': (load, target) =>
    expressWith(load, load('hpm4').createProxyMiddleware({ target, agent: keepAlive() })),
  'node:http + http-proxy-middleware 3': (load, target) => {
    const proxy = load('hpm3').createProxyMiddleware({ target, agent: keepAlive() });
    return (req, res) => void proxy(req, res, () => res.writeHead(404).end());
  },
  'node:http + http-proxy': (load, target) => {
    const proxy = load('http-proxy').createProxyServer({ target, agent: keepAlive() });
    return (req, res) => proxy.web(req, res);
  },
  'node:http + http.request (keep-alive agent)': (_load, target) => {
    const agent = keepAlive();
    const { hostname, port } = new URL(target);
    return (req, res) => {
      const upstream = http.request(
        {
          hostname,
          port,
          method: req.method,
          path: req.url,
          headers: endToEnd(req.headers),
          agent,
        },
        (answer) => {
          res.writeHead(answer.statusCode, endToEnd(answer.headers));
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    };
  },
  'node:http + undici Pool.request': (load, target) => {
    const pool = new (load('undici').Pool)(target, { connections: 256 });
    return (req, res) => {
      pool
        .request({ method: req.method, path: req.url, headers: endToEnd(req.headers), body: req })
        .then(async ({ statusCode, headers, body }) => {
          res.writeHead(statusCode, endToEnd(headers));
          await pipeline(body, res);
        })
        .catch(() => res.destroy());
    };
  },
  'node:http + undici Pool.stream': (load, target) => {
    const pool = new (load('undici').Pool)(target, { connections: 256 });
    return (req, res) => {
      pool
        .stream(
          { method: req.method, path: req.url, headers: endToEnd(req.headers), body: req },
          ({ statusCode, headers }) => {
            res.writeHead(statusCode, endToEnd(headers));
            return res;
          },
        )
        .catch(() => res.destroy());
    };
  },
};

function keepAlive() {
  return new http.Agent({ keepAlive: true, maxSockets: 256, timeout: 4000 });
}

function expressWith(load, middleware) {
  const app = load('express')();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(middleware);
  return app;
}

async function listen(listener) {
  const server = http.createServer({ keepAliveTimeout: 5000 }, listener);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server.address().port;
}

// Child roles: `upstream` answers BODY; `forward <dir> <candidate> <port>` forwards to it.
const [role, ...rest] = process.argv.slice(2);
if (role === 'upstream' || role === 'forward') {
  let listener = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length });
    res.end(BODY);
  };
  if (role === 'forward') {
    const [dir, name, upstreamPort] = rest;
    const load = createRequire(path.join(path.resolve(dir), 'package.json'));
    listener = new Map(Object.entries(CANDIDATES)).get(name)(
      load,
      `http://127.0.0.1:${upstreamPort}`,
    );
  }
  process.send({ port: await listen(listener) });
} else {
  await compare(role, Number(rest[0] ?? 5), Number(rest[1] ?? 2));
}

function start(...args) {
  const child = fork(import.meta.filename, args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve) => child.once('message', ({ port }) => resolve({ child, port })));
}

async function load(port, seconds) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/api/v1/users/me`,
    connections: CONNECTIONS,
    duration: seconds,
  });
  return { requests: result.requests.total, ok: result['2xx'], p99: result.latency.p99 };
}

async function compare(dir, seconds, rounds) {
  if (!dir) {
    process.stderr.write(
      'usage: node bench/proxy-choice.mjs <dir with the candidates> [seconds] [rounds]\n',
    );
    process.exit(2);
  }
  const upstream = await start('upstream');
  const results = new Map(Object.keys(CANDIDATES).map((name) => [name, []]));
  for (let round = 0; round < rounds; round += 1) {
    for (const name of Object.keys(CANDIDATES)) {
      const forwarder = await start('forward', dir, name, String(upstream.port));
      await load(forwarder.port, 1); // warm-up: JIT, pooled connections
      const meter = cpuMeter({
        forwarder: () => [forwarder.child.pid],
        upstream: () => [upstream.child.pid],
      });
      const run = await load(forwarder.port, seconds);
      const cpu = meter.stop();
      forwarder.child.kill();
      if (run.ok !== run.requests) throw new Error(`${name}: ${run.requests - run.ok} non-2xx`);
      results.get(name).push({
        cpuUs: Math.round((cpu.forwarder * 1000) / run.requests),
        rps: Math.round(run.requests / seconds),
        p99: run.p99,
      });
    }
  }
  upstream.child.kill();
  process.stdout.write(
    `| forwarder | CPU µs/request (per round) | req/s | p99 ms |\n|---|---|---|---|\n`,
  );
  for (const [name, runs] of results) {
    const list = (pick) => runs.map(pick).join(', ');
    process.stdout.write(
      `| ${name} | ${list((r) => r.cpuUs)} | ${list((r) => r.rps)} | ${list((r) => r.p99)} |\n`,
    );
  }
}
