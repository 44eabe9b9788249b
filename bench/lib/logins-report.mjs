// The login cost split (`node bench/scenario.mjs logins`) as a markdown table.
/* eslint-disable security/detect-object-injection -- objects keyed by its own process names */
const sum = (c) => Object.values(c).reduce((a, b) => a + b, 0);
const ms = (us) => (us / 1000).toFixed(1);

export function renderLoginSplit({ production, smallest }) {
  const names = [...new Set([production, smallest].flatMap((s) => Object.keys(s.logins.cpu)))];
  const row = (label, pick) => `| ${label} | ${pick(production)} | ${pick(smallest)} |`;
  const params = (p) => `m=${p.memoryCost / 1024} MiB, t=${p.timeCost}, p=${p.parallelism}`;
  const nonHash = (s) => sum(s.logins.cpu) - s.raw.cpuUsEach;
  return [
    '| per login (4 clients through the full gateway) | production Argon2id | smallest Argon2id |',
    '|---|---|---|',
    row('parameters', (s) => params(s.params)),
    row('logins/s', (s) => s.logins.perSecond.toFixed(1)),
    row('raw Argon2id verifications/s (this process, as many at once as auth-service)', (s) =>
      s.raw.perSecond.toFixed(1),
    ),
    row('logins / raw', (s) => (s.logins.perSecond / s.raw.perSecond).toFixed(2)),
    ...names.map((name) => row(`CPU ms: ${name}`, (s) => ms(s.logins.cpu[name] ?? 0))),
    row('CPU ms: all processes', (s) => ms(sum(s.logins.cpu))),
    row('CPU ms: one raw hash', (s) => ms(s.raw.cpuUsEach)),
    row('CPU ms besides the hash (all processes − one raw hash)', (s) => ms(nonHash(s))),
    row('CPU ms besides the hash that 0.90 leaves (raw hash ÷ 0.9 − raw hash)', (s) =>
      ms(s.raw.cpuUsEach / 0.9 - s.raw.cpuUsEach),
    ),
  ].join('\n');
}
