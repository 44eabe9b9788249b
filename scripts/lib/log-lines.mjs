// How `npm start` shows its children's output: each line prefixed with the child's name, a pino
// JSON line condensed to `time level msg key=value ...`. Only Node built-ins: `npm start` loads
// this before it knows node_modules exists.
import readline from 'node:readline';

const LEVELS = new Map([
  [10, 'trace'],
  [20, 'debug'],
  [30, 'info'],
  [40, 'warn'],
  [50, 'error'],
  [60, 'fatal'],
]);
const LEVEL_COLOURS = new Map([
  ['trace', 90],
  ['debug', 90],
  ['warn', 33],
  ['error', 31],
  ['fatal', 31],
]);
const HIDDEN_FIELDS = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname', 'v']);
const ACCESS_FIELDS = new Set(['method', 'path', 'status', 'duration_ms']);

function fieldValue(value) {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** A pino JSON line as `time level msg key=value ...` (plus a stack for errors); others as-is. */
export function condense(line, colour) {
  if (!line.startsWith('{')) return [line];
  let record;
  try {
    record = JSON.parse(line);
  } catch {
    return [line];
  }
  if (!record || typeof record !== 'object' || !('level' in record)) return [line];
  const level = String(LEVELS.get(record.level) ?? record.level);
  const time = typeof record.time === 'string' ? record.time.slice(11, 19) : '';
  const fields = [];
  const extra = [];
  let message = record.msg ?? '';
  const { method, path: urlPath, status, duration_ms: ms, request_id: requestId } = record;
  const accessLine = method && urlPath && status !== undefined;
  if (accessLine) {
    message = `${method} ${urlPath} ${status}${typeof ms === 'number' ? ` ${ms.toFixed(1)}ms` : ''}`;
  }
  for (const [key, value] of Object.entries(record)) {
    if (HIDDEN_FIELDS.has(key) || key === 'request_id') continue;
    if (accessLine && ACCESS_FIELDS.has(key)) continue;
    if (key === 'err' && value && typeof value === 'object') {
      fields.push(`err=${fieldValue(value.message ?? value.type ?? value)}`);
      if (typeof value.stack === 'string') extra.push(...value.stack.split('\n').slice(1));
      continue;
    }
    fields.push(`${key}=${fieldValue(value)}`);
  }
  // Last, and whole: it is what a reader greps for across the services.
  if (typeof requestId === 'string') fields.push(`req=${requestId}`);
  let levelText = level.padEnd(5);
  const levelColour = LEVEL_COLOURS.get(level);
  if (colour && levelColour) levelText = `\x1b[${levelColour}m${levelText}\x1b[0m`;
  const head = [time, levelText, message, ...fields].filter((part) => part !== '');
  return [head.join(' '), ...extra.map((l) => `    ${l.trim()}`)];
}

/**
 * Every line of `stream` to `destination` behind `<name> |`. A child with `condense: false` (the
 * mail sink, whose one line per mail carries a link to copy) is shown exactly as it wrote it:
 * nothing shortened, nothing split.
 */
export function pipeLines(stream, destination, child, nameWidth) {
  const colour = Boolean(destination.isTTY) && !process.env.NO_COLOR;
  const label = child.name.padEnd(nameWidth);
  const prefix = colour ? `\x1b[${child.colour}m${label} |\x1b[0m ` : `${label} | `;
  const format = child.condense === false ? (line) => [line] : (line) => condense(line, colour);
  readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
    for (const out of format(line)) destination.write(`${prefix}${out}\n`);
  });
}
