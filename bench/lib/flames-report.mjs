// Flame summaries as markdown: for the gateway and for user-service, CPU per request by area of
// the code, old beside new, then each side's hottest functions.
const us = (v) => (v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1));
/* eslint-disable security/detect-object-injection -- objects keyed by its own side names (gateway, users) */

function areaTable(title, oldSide, newSide, labels) {
  const olds = new Map(oldSide.areas.map((a) => [a.name, a.us]));
  const news = new Map(newSide.areas.map((a) => [a.name, a.us]));
  const names = [...new Set([...olds.keys(), ...news.keys()])].sort(
    (a, b) =>
      Math.max(olds.get(b) ?? 0, news.get(b) ?? 0) - Math.max(olds.get(a) ?? 0, news.get(a) ?? 0),
  );
  const shown = names.slice(0, 12);
  const rest = (side) => names.slice(12).reduce((sum, name) => sum + (side.get(name) ?? 0), 0);
  const ratio = (o, n) => (o > 0 ? (n / o).toFixed(2) : '');
  return [
    `**${title}**: ${us(oldSide.us)} → ${us(newSide.us)} µs of CPU per request ` +
      `(${ratio(oldSide.us, newSide.us)}×), by area (self time):`,
    '',
    `| area | ${labels[0]} µs | ${labels[1]} µs | new / old |`,
    '|---|---|---|---|',
    ...shown.map(
      (name) =>
        `| ${name} | ${us(olds.get(name) ?? 0)} | ${us(news.get(name) ?? 0)} | ${ratio(olds.get(name) ?? 0, news.get(name) ?? 0)} |`,
    ),
    `| everything else | ${us(rest(olds))} | ${us(rest(news))} | |`,
  ].join('\n');
}

function hottest(label, side) {
  return [
    `Hottest functions, ${label} (µs per request, self time):`,
    '',
    ...side.functions.map((f) => `- ${us(f.us)} — \`${f.name.replace(/`/g, "'")}\``),
  ].join('\n');
}

/** `oldFlames`/`newFlames`: flameSummaries() results of the two stacks; labels name them. */
export function renderFlames(oldFlames, newFlames, labels) {
  const sections = [];
  for (const [key, title] of [
    ['gateway', 'Gateway'],
    ['users', 'user-service'],
  ]) {
    sections.push(
      areaTable(title, oldFlames[key], newFlames[key], labels),
      hottest(`${title}, ${labels[0]}`, oldFlames[key]),
      hottest(`${title}, ${labels[1]}`, newFlames[key]),
    );
  }
  return [
    `Flame summaries: a profiled gateway wired to a profiled user-service replica per stack, ` +
      `GET /api/v1/users/me with 20 connections for ${oldFlames.seconds} s × ${oldFlames.rounds} ` +
      `rounds, interleaved (${oldFlames.requests.toLocaleString('en-US')} and ` +
      `${newFlames.requests.toLocaleString('en-US')} requests). The profiler's own overhead is in ` +
      'both columns: compare them, not their sum with the /proc figures.',
    '',
    ...sections.flatMap((s) => [s, '']),
  ].join('\n');
}
