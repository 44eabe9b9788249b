// The `--compare` report: every figure of both stacks side by side, with new / old. Both ran in
// the same run on the same machine, their rounds interleaved, so the ratio is the figure to read.
import { figures } from './figures.mjs';
import { BEGIN, END, machineLine } from './report.mjs';
import { renderSessions } from './sessions-report.mjs';

const format = (value, kind) => {
  if (typeof value !== 'number') return String(value).replace(/\|/g, '\\|');
  if (kind === 'ratio') return value.toFixed(2);
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2);
};

function ratioOf(oldValue, newValue, kind) {
  if (kind === 'text' || typeof oldValue !== 'number' || typeof newValue !== 'number') return '';
  if (oldValue === 0) return newValue === 0 ? '1.00' : '';
  return (newValue / oldValue).toFixed(2);
}

/** Rows of both stacks matched by section and name, in the order the new stack reports them. */
function paired(oldRows, newRows) {
  const key = ([section, name]) => `${section}\u0000${name}`;
  const olds = new Map(oldRows.map((row) => [key(row), row]));
  const news = new Map(newRows.map((row) => [key(row), row]));
  const keys = [...new Set([...news.keys(), ...olds.keys()])];
  return keys.map((k) => {
    const [section, name, , kind] = news.get(k) ?? olds.get(k);
    return { section, name, kind, old: olds.get(k)?.[2], new: news.get(k)?.[2] };
  });
}

export function renderCompare(r) {
  const [oldStack, newStack] = r.stacks;
  const rows = paired(figures(oldStack, r.argon2), figures(newStack, r.argon2));
  const cell = (v, kind) => (v === undefined ? '' : format(v, kind));
  const table = [
    `| scenario | figure | old (${r.compare.old.short}) | new (${r.compare.new.short}) | new / old |`,
    '|---|---|---|---|---|',
    ...rows.map(
      (row) =>
        `| ${row.section} | ${row.name} | ${cell(row.old, row.kind)} | ${cell(row.new, row.kind)} | ${ratioOf(row.old, row.new, row.kind)} |`,
    ),
  ].join('\n');
  const lines = [
    BEGIN,
    '',
    `${machineLine(r)}`,
    '',
    `\`npm run bench -- --compare ${r.compare.rev}\`: old = ${r.compare.old.short} (${r.compare.old.subject}), ` +
      `new = ${r.compare.new.short} (${r.compare.new.subject}). Both stacks ran at once, each on its ` +
      'own databases, Redis prefix, audit queue and ports, their measured runs alternating ' +
      '(old, new, then new, old); CPU is from /proc for the processes of the stack under load. ' +
      `Raw Argon2id in the bench process: ${r.argon2.perSecond.toFixed(2)}/s with ` +
      `${r.argon2.concurrency} at a time, ${(r.argon2.cpuUsEach / 1000).toFixed(0)} ms CPU each.`,
    '',
    table,
    '',
  ];
  if (r.sessions) lines.push(renderSessions(r.sessions), '');
  lines.push(END);
  return { table, markdown: lines.join('\n') };
}
