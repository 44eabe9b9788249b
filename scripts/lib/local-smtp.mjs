// Where development mail goes when SMTP_URL does not say: the sink of scripts/mail-sink.mjs.
// Only Node built-ins: `npm start` loads this before it knows node_modules exists.

export const SINK_PORT = 1025;
export const SINK_URL = `smtp://127.0.0.1:${SINK_PORT}`;
const LOOPBACK = new Set(['localhost', '127.0.0.1']);

// The sink as `npm start` runs it. Its one line per mail carries a link to follow: shown exactly
// as written, never condensed like the services' JSON logs.
export const MAIL_SINK = {
  name: 'mail-sink',
  entry: 'scripts/mail-sink.mjs',
  colour: 34,
  condense: false,
};

/**
 * The port a local sink serves SMTP_URL on: 1025 when it is unset, its own port when it names
 * this machine over plain smtp://; undefined when mail goes to a real relay (or the URL is bad).
 */
export function localSinkPort(smtpUrl) {
  if (!smtpUrl) return SINK_PORT;
  let url;
  try {
    url = new URL(smtpUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'smtp:' || !LOOPBACK.has(url.hostname)) return undefined;
  return Number(url.port || 25);
}
