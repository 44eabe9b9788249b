// Two gateways side by side, one setting or one build apart: `npm run bench:ab -- --b
// NODE_OPTIONS=--max-semi-space-size=2 [--a KEY=VALUE] [--upstream static|users] [--rounds 4]
// [--together]`,
// or `npm run bench:ab -- --b-rev <git-rev>` (gateway B from that revision, built in a worktree
// as `npm run bench -- --compare` does). One stack of this build (production Argon2id, like
// `npm run bench`); gateway A with its defaults (plus --a), gateway B with --b and/or from
// --b-rev; both in front of the same upstream (the small static JSON upstream by default, or
// this stack's user-service), the same authenticated GET with 20 connections, their rounds
// interleaved (A, B, then B, A). Prints CPU µs per request (from /proc), requests/s and p99 as
// the median of the rounds, each gateway's idle RSS (lowest over 15 s, before any load) and its
// RSS after the load: a setting's or a build's cost beside its baseline from the same run.
// With --together both gateways take their load in the same seconds (10 connections each) and the
// result is the median of each round's B / A: whatever the host does in a round, it does to both
// (two identical builds gave 0.95-1.04 per round, where one gateway's rounds moved ±16%).
/* eslint-disable security/detect-object-injection -- objects keyed by its own side names */
import { parseArgs } from 'node:util';

import { describeRevision, prepareCheckout } from './lib/checkout.mjs';
import { expectAllOk, load } from './lib/load.mjs';
import { loadTogether, median } from './lib/measure.mjs';
import { cpuMeter, memoryOf, settledRss } from './lib/probes.mjs';
import { ROOT } from './lib/stack.mjs';
import { startSubject } from './lib/subject.mjs';

const log = (line) => process.stderr.write(`bench: ${line}\n`);
const { values } = parseArgs({
  options: {
    a: { type: 'string', multiple: true, default: [] },
    b: { type: 'string', multiple: true, default: [] },
    'b-rev': { type: 'string' },
    upstream: { type: 'string', default: 'static' },
    rounds: { type: 'string', default: '4' },
    together: { type: 'boolean', default: false },
  },
});
const envOf = (pairs) =>
  Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) throw new Error(`expected KEY=VALUE, got ${pair}`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
const sides = { A: envOf(values.a), B: envOf(values.b) };
if ((values.b.length === 0 && !values['b-rev']) || !['static', 'users'].includes(values.upstream)) {
  process.stderr.write(
    'usage: npm run bench:ab -- --b KEY=VALUE | --b-rev <git-rev> [--a KEY=VALUE] [--upstream static|users] [--rounds N] [--together]\n',
  );
  process.exit(2);
}
const short = (rev) => describeRevision(rev).sha.slice(0, 7);
const builds = {
  A: { checkout: ROOT, name: `this build (${short('HEAD')}+worktree)` },
  B: values['b-rev']
    ? { checkout: prepareCheckout(values['b-rev'], log).dir, name: short(values['b-rev']) }
    : { checkout: ROOT, name: 'this build' },
};

const subject = await startSubject({ checkout: ROOT, label: 'ab' }, log);
const { stack, token } = subject;
try {
  const gateways = {};
  for (const [side, env] of Object.entries(sides)) {
    gateways[side] = await stack.startGateway(
      `gateway-${side}`,
      {
        ...(values.upstream === 'static' ? { USER_SERVICE_URL: stack.staticUpstream } : {}),
        ...env,
      },
      [],
      builds[side].checkout,
    );
  }
  log('idle RSS (15 s)');
  const idle = await settledRss(
    Object.fromEntries(Object.entries(gateways).map(([side, g]) => [side, g.child.pid])),
  );
  const runs = { A: [], B: [] };
  const optionsOf = (side, connections) => ({
    url: gateways[side].url,
    path: '/api/v1/users/me',
    headers: { authorization: `Bearer ${token}` },
    connections,
  });
  for (let round = 0; round < Number(values.rounds); round += 1) {
    if (values.together) {
      // Both at once, 10 connections each: whatever the host does in these seconds, it does to both.
      const both = await loadTogether(
        { A: gateways.A.child.pid, B: gateways.B.child.pid },
        (side) => optionsOf(side, 10),
        { warmUp: round === 0 ? 5 : 2, seconds: 8, label: 'gateway' },
      );
      runs.A.push(both.A);
      runs.B.push(both.B);
      log(
        `round ${round + 1}: A ${runs.A.at(-1).us.toFixed(0)}, B ${runs.B.at(-1).us.toFixed(0)} µs/request`,
      );
      continue;
    }
    for (const side of round % 2 === 0 ? ['A', 'B'] : ['B', 'A']) {
      const gateway = gateways[side];
      const options = optionsOf(side, 20);
      await load({ ...options, duration: round === 0 ? 5 : 2 });
      const meter = cpuMeter({ gateway: () => [gateway.child.pid] });
      const run = expectAllOk(`gateway ${side}`, await load({ ...options, duration: 8 }));
      runs[side].push({ ...run, us: (meter.stop().gateway * 1000) / run.total });
      log(`round ${round + 1}, ${side}: ${runs[side].at(-1).us.toFixed(0)} µs/request`);
    }
  }
  const row = (side) => {
    const list = runs[side];
    const env = Object.entries(sides[side]).map(([k, v]) => `${k}=${v}`);
    return (
      `| ${side} | ${builds[side].name} | ${env.join(' ') || '(defaults)'} | ${median(list.map((r) => r.us)).toFixed(0)} | ` +
      `${median(list.map((r) => r.rps)).toFixed(0)} | ${median(list.map((r) => r.p99)).toFixed(1)} | ` +
      `${idle[side].toFixed(1)} | ${(memoryOf(gateways[side].child.pid)?.rss ?? NaN).toFixed(1)} |`
    );
  };
  const us = (side) => median(runs[side].map((r) => r.us));
  // Loaded together, each round's two figures share the host's moment: compare within rounds.
  const ratios = runs.B.map((r, i) => r.us / (runs.A.at(i)?.us ?? NaN));
  process.stdout.write(
    [
      `Two gateways in front of ${values.upstream === 'static' ? 'the static upstream' : 'user-service'}, ` +
        (values.together
          ? `loaded at the same time with 10 connections each, ${values.rounds} rounds of 8 s, medians:`
          : `20 connections, ${values.rounds} interleaved rounds of 8 s, medians:`),
      '',
      '| gateway | build | setting | CPU µs/request | req/s | p99 ms | idle RSS MiB | RSS after load MiB |',
      '|---|---|---|---|---|---|---|---|',
      row('A'),
      row('B'),
      '',
      values.together
        ? `B / A, CPU per request: ${median(ratios).toFixed(2)}, the median of the rounds' ratios (${ratios.map((r) => r.toFixed(2)).join(', ')})`
        : `B / A, CPU per request: ${(us('B') / us('A')).toFixed(2)}`,
      '',
    ].join('\n'),
  );
} finally {
  await stack.close();
}
process.exit(0);
