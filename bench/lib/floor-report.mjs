// The floor of item 2 (`npx tsx bench/scenario.mjs floor`) as a markdown table.
import { FLOOR_STEPS } from './floor.mjs';

const LABELS = new Map([
  ...FLOOR_STEPS.map(([name, label]) => [name, label]),
  ['gateway', 'the gateway (every check), same upstream'],
]);

export function renderFloor({ rounds, seconds, together, upstream, steps }) {
  const how = together
    ? `all loaded at the same time with 4 connections each, ${rounds} rounds`
    : `20 connections, ${rounds} interleaved rounds`;
  return [
    `In front of ${upstream === 'service' ? "the stack's user-service (scenario 1's setting)" : 'the small static JSON upstream'}, ${how} of ${seconds} s, medians:`,
    '',
    '| forwarder | CPU µs/request | × bare forwarder (per round, median) |',
    '|---|---|---|',
    ...steps.map(
      (s) => `| ${LABELS.get(s.name)} | ${s.us.toFixed(0)} | ${s.overBare.toFixed(2)}× |`,
    ),
    '',
    'Item 2 asks for ≤ 1.79× (200 µs against the calibration forwarder at 90-112 µs).',
  ].join('\n');
}
