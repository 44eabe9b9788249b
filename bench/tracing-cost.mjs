// What tracing costs a request: three stacks of the built services, one with tracing off (no OTLP
// endpoint: the SDK is not loaded), one exporting every span to an OTLP/HTTP receiver in this
// process, one sampling 10 % of the traces; the same authenticated read through the gateway
// (gateway → user-service, JWT and revocation checks, one query), rounds interleaved. CPU per
// request from /proc, per process.
//   npm run bench:tracing            (BENCH_QUICK=1 for a short smoke run)
/* eslint-disable security/detect-object-injection -- objects keyed by its own process names */
import { randomUUID } from 'node:crypto';
import http from 'node:http';

import { expectAllOk, load } from './lib/load.mjs';
import { inRound, mean, meanCpu, meterFor, perRequest } from './lib/measure.mjs';
import { Stack } from './lib/stack.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = QUICK ? 1 : 3;
const SECONDS = QUICK ? 3 : 10;
const CONNECTIONS = 20;
const SERVICES = ['gateway', 'user-service', 'auth-service', 'audit-service'];

const log = (line) => process.stderr.write(`bench: ${line}\n`);

/** An OTLP/HTTP endpoint that accepts everything and counts what it was sent. */
async function startReceiver() {
  const seen = { exports: 0, bytes: 0 };
  const server = http.createServer((req, res) => {
    req.on('data', (chunk) => (seen.bytes += chunk.length));
    req.on('end', () => {
      seen.exports += 1;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    seen,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

async function signedIn(stack) {
  const tag = randomUUID().slice(0, 8);
  const user = {
    username: `bench_${tag}`,
    email: `bench.${tag}@example.com`,
    password: `Str0ng-Pass-${tag}!`,
  };
  const post = (path, body) =>
    fetch(`${stack.gateway}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  if ((await post('/api/v1/auth/register', user)).status !== 201)
    throw new Error('register failed');
  const login = await post('/api/v1/auth/login', { email: user.email, password: user.password });
  if (login.status !== 200) throw new Error(`login failed: ${login.status}`);
  return (await login.json()).access_token;
}

// One receiver per traced stack: a batch may arrive while the other stack is being measured.
const receivers = [await startReceiver(), await startReceiver()];
const subjects = [
  { stack: new Stack({ label: 'tracing off' }) },
  {
    stack: new Stack({
      label: 'tracing on',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receivers[0].url },
    }),
    receiver: receivers[0],
  },
  {
    // The gateway starts every trace, so its decision holds for the whole request.
    stack: new Stack({
      label: 'tracing on, 10 % sampled',
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receivers[1].url,
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.1',
      },
    }),
    receiver: receivers[1],
  },
];
try {
  for (const subject of subjects) {
    log(`starting ${subject.stack.label} (logs in ${subject.stack.logDir})`);
    await subject.stack.startCore();
    subject.token = await signedIn(subject.stack);
    subject.runs = [];
    subject.cpu = [];
  }
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const subject of inRound(subjects, round)) {
      const options = {
        url: subject.stack.gateway,
        path: '/api/v1/users/me',
        headers: { authorization: `Bearer ${subject.token}` },
        connections: CONNECTIONS,
      };
      await load({ ...options, duration: 2 }); // warm-up (JIT, pools, keep-alive sockets)
      const exported = () => subject.receiver?.seen.bytes ?? 0;
      const before = exported();
      const meter = meterFor(subject.stack);
      const run = expectAllOk(subject.stack.label, await load({ ...options, duration: SECONDS }));
      subject.cpu.push(perRequest(meter.stop(), run.total));
      subject.runs.push({ ...run, exportedBytes: exported() - before });
      log(`round ${round + 1}: ${subject.stack.label} ${Math.round(run.rps)} req/s`);
    }
  }
} finally {
  for (const { stack } of subjects) await stack.close();
  for (const receiver of receivers) await receiver.close();
}

const rows = subjects.map(({ stack, runs, cpu }) => {
  const cpuUs = meanCpu(cpu);
  return {
    label: stack.label,
    rps: mean(runs.map((r) => r.rps)),
    p50: mean(runs.map((r) => r.p50)),
    p99: mean(runs.map((r) => r.p99)),
    cpuUs,
    servicesUs: SERVICES.reduce((sum, name) => sum + (cpuUs[name] ?? 0), 0),
    exportedBytes:
      runs.reduce((n, r) => n + r.exportedBytes, 0) / runs.reduce((n, r) => n + r.total, 0),
  };
});
const [off, ...traced] = rows;
const fmt = (n, digits = 0) => n.toFixed(digits);
const lines = [
  `GET /api/v1/users/me through the gateway, ${CONNECTIONS} connections, ${ROUNDS} × ${SECONDS} s per stack, interleaved`,
  '',
  '| | req/s | p50 ms | p99 ms | gateway CPU µs/req | user-service CPU µs/req | services CPU µs/req | exported bytes/req |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map(
    (r) =>
      `| ${r.label} | ${fmt(r.rps)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${fmt(r.cpuUs.gateway ?? 0)} | ${fmt(r.cpuUs['user-service'] ?? 0)} | ${fmt(r.servicesUs)} | ${fmt(r.exportedBytes)} |`,
  ),
  '',
  ...traced.map(
    (on) =>
      `${on.label}: ${fmt(on.servicesUs - off.servicesUs)} µs more service CPU per request ` +
      `(+${fmt(((on.servicesUs - off.servicesUs) / off.servicesUs) * 100)} %), ` +
      `${fmt(((off.rps - on.rps) / off.rps) * 100)} % less throughput.`,
  ),
];
process.stdout.write(`${lines.join('\n')}\n`);
