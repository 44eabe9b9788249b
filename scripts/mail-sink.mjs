// The development mail sink `npm start` runs: a real SMTP server on loopback that keeps every
// message as an .eml file under .data/mail/ (git-ignored) and prints one line per message with
// the recipient, the subject and the links of its text part, whole, so a reset or verification
// link can be followed straight from the terminal. Nothing is relayed anywhere.
//   node scripts/mail-sink.mjs      # 127.0.0.1:1025, or the port of a loopback SMTP_URL
// MAIL_SINK_DIR writes elsewhere (the tests use it). Built-ins, smtp-server and mailparser only.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

import { localSinkPort } from './lib/local-smtp.mjs';

const CLOSE_TIMEOUT_MS = 2000;

// A recipient or subject is shown on a terminal: no escape sequences, no line breaks.
const printable = (text) => text.replace(/\p{Cc}+/gu, ' ').trim();
const LINK = /https?:\/\/[^\s<>"\p{Cc}]+/gu;

function lineFor(mail, recipients, file) {
  const links = [...new Set((mail.text ?? '').match(LINK) ?? [])];
  return [
    `to ${recipients.map(printable).join(', ')}`,
    `"${printable(mail.subject ?? '')}"`,
    ...links,
    `(${file})`,
  ].join('  ');
}

const port = localSinkPort(process.env.SMTP_URL);
if (port === undefined) {
  process.stderr.write('SMTP_URL does not point at this machine over smtp://: no sink needed.\n');
  process.exit(2);
}
const root = path.dirname(import.meta.dirname);
const dir = path.resolve(root, process.env.MAIL_SINK_DIR || path.join('.data', 'mail'));
// The messages hold live tokens: readable by this user only.
// eslint-disable-next-line security/detect-non-literal-fs-filename -- .data/mail or MAIL_SINK_DIR
mkdirSync(dir, { recursive: true, mode: 0o700 });
const shown = path.relative(process.cwd(), dir) || '.';

const server = new SMTPServer({
  authOptional: true,
  // Whatever credentials a local SMTP_URL carries are accepted: this is a sink, not a relay.
  allowInsecureAuth: true,
  onAuth: (auth, _session, callback) => callback(null, { user: auth.username ?? 'any' }),
  // Plain SMTP on loopback: the sender must not be pushed into a TLS upgrade.
  disabledCommands: ['STARTTLS'],
  logger: false,
  closeTimeout: CLOSE_TIMEOUT_MS,
  onData(stream, session, callback) {
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('end', () => {
      const raw = Buffer.concat(chunks);
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const name = `${stamp}-${randomBytes(3).toString('hex')}.eml`;
      try {
        // eslint-disable-next-line security/detect-non-literal-fs-filename -- a name made here
        writeFileSync(path.join(dir, name), raw, { mode: 0o600 });
      } catch (error) {
        callback(error);
        return;
      }
      const recipients = session.envelope.rcptTo.map((r) => r.address);
      simpleParser(raw).then(
        (mail) => {
          process.stdout.write(`${lineFor(mail, recipients, path.join(shown, name))}\n`);
          callback();
        },
        (error) => {
          process.stderr.write(`unreadable message kept as ${name}: ${error.message}\n`);
          callback();
        },
      );
    });
  },
});

server.on('error', (error) => {
  if (error.code === 'EADDRINUSE') {
    process.stderr.write(
      `Port ${port} (mail sink) is already in use: is another \`npm start\` running? ` +
        '(or set SMTP_URL)\n',
    );
    process.exit(1);
  }
  // A client that drops its connection is no reason to stop.
  process.stderr.write(`mail sink: ${error.message}\n`);
});
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`Listening on smtp://127.0.0.1:${port}, keeping mail in ${shown}/\n`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
  });
}
