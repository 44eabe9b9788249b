import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';

import { afterAll, describe, expect, it } from '@jest/globals';
import nodemailer from 'nodemailer';

import { closedPort } from '@secure-api/shared/testing';

import { localSinkPort, MAIL_SINK } from '../scripts/lib/local-smtp.mjs';
import { condense, pipeLines } from '../scripts/lib/log-lines.mjs';
import { repoRoot } from './support/kubernetes.js';

const script = path.join(repoRoot, 'scripts', 'mail-sink.mjs');
const dir = mkdtempSync(path.join(tmpdir(), 'mail-sink-'));
// As `npm start` shows it: the width of its longest name, audit-service.
const NAME_WIDTH = 13;
const PREFIX = `${'mail-sink'.padEnd(NAME_WIDTH)} | `;

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** The sink as `npm start` runs it, its stdout through start's own log piping. */
async function startSink(port: number) {
  const child = spawn(process.execPath, [script], {
    cwd: repoRoot,
    env: { ...process.env, SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_SINK_DIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const shown: string[] = [];
  pipeLines(child.stdout, { write: (text: string) => shown.push(text) }, MAIL_SINK, NAME_WIDTH);
  const next = async (count: number) => {
    const deadline = Date.now() + 10_000;
    while (shown.length < count && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return shown.slice(0, count);
  };
  expect((await next(1))[0]).toMatch(/^mail-sink {5}\| Listening on smtp:\/\/127\.0\.0\.1:\d+/);
  return { shown, next };
}

describe('scripts/mail-sink.mjs, as npm start runs and shows it', () => {
  it('keeps each mail as an .eml file and prints one whole line: recipient, subject, link', async () => {
    const port = await closedPort();
    const sink = await startSink(port);
    const to = `ada-${randomUUID()}@example.com`;
    // A long base URL: the link is longer than anything condensed log fields keep (120).
    const link = `https://accounts.staging.example.com:8443/secure-api/account/reset-password#token=${randomBytes(32).toString('base64url')}`;
    const transport = nodemailer.createTransport(`smtp://127.0.0.1:${port}`);

    await transport.sendMail({
      from: 'Secure API <no-reply@localhost>',
      to,
      subject: 'Reset your password',
      text: `Follow this link within 30 minutes:\n\n${link}\n\nSecure API\n`,
      html: `<p><a href="${link}">Reset your password</a></p>`,
    });
    transport.close();
    const lines = await sink.next(2);
    const files = readdirSync(dir);

    expect(files).toHaveLength(1);
    const file = path.join(dir, files[0]!);
    expect(lines[1]).toBe(
      `${PREFIX}to ${to}  "Reset your password"  ${link}  (${path.relative(repoRoot, file)})\n`,
    );
    expect(readFileSync(file, 'utf8')).toContain('Subject: Reset your password');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // What the sink's line avoids: a service's log field of that length is cut short.
    const condensed = condense(JSON.stringify({ level: 30, msg: 'mail', link }), false).join('\n');
    expect(condensed).not.toContain(link);
  });

  it('shows the sink’s lines exactly as written, even one shaped like a service’s JSON log', async () => {
    const stream = new PassThrough();
    const shown: string[] = [];
    pipeLines(stream, { write: (text: string) => shown.push(text) }, MAIL_SINK, NAME_WIDTH);
    const line = JSON.stringify({
      level: 30,
      msg: 'x',
      link: `http://localhost/${'a'.repeat(150)}`,
    });

    stream.end(`${line}\n`);
    await new Promise((resolve) => setImmediate(resolve));

    expect(shown).toEqual([`${PREFIX}${line}\n`]);
  });

  it('refuses a port already in use with one line', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;

    const result = spawnSync(process.execPath, [script], {
      env: { ...process.env, SMTP_URL: `smtp://localhost:${port}`, MAIL_SINK_DIR: dir },
      encoding: 'utf8',
      timeout: 10_000,
    });
    taken.close();

    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `Port ${port} (mail sink) is already in use: is another \`npm start\` running? (or set SMTP_URL)\n`,
    );
  });

  it.each([
    [undefined, 1025],
    ['smtp://127.0.0.1:2525', 2525],
    ['smtp://localhost', 25],
    ['smtps://127.0.0.1:465', undefined],
    ['smtp://user:secret@smtp.example.com:587', undefined],
    ['not a url', undefined],
  ])('SMTP_URL=%s gets a local sink on port %s (undefined: a real relay, no sink)', (url, port) => {
    expect(localSinkPort(url)).toBe(port);
  });
});
