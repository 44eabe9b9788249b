import { randomBytes, randomUUID } from 'node:crypto';

import { afterEach, describe, expect, it } from '@jest/globals';
import nodemailer from 'nodemailer';

import { MailCatcher, mailLink, mailToken, type ReceivedMail } from '@secure-api/shared/testing';

const FROM = 'Secure API <no-reply@localhost>';
const BASE = 'http://localhost:8080';

const newToken = () => randomBytes(32).toString('base64url');
const newAddress = () => `mail-${randomUUID()}@example.com`;

/** Sends as auth-service does: nodemailer over plain SMTP, a text part with the link on its own line. */
async function send(url: string, to: string, subject: string, link?: string) {
  const transport = nodemailer.createTransport(url);
  try {
    await transport.sendMail({
      from: FROM,
      to,
      subject,
      text: ['Hello,', '', ...(link ? [link, ''] : []), 'Secure API'].join('\n'),
      html: `<p>Hello,</p>${link ? `<p><a href="${link}">Open</a></p>` : ''}`,
    });
  } finally {
    transport.close();
  }
}

const started: MailCatcher[] = [];
async function startCatcher(port?: number) {
  const catcher = await MailCatcher.start({ port });
  started.push(catcher);
  return catcher;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((c) => c.stop()));
});

describe('MailCatcher', () => {
  it('receives what nodemailer sends over plain SMTP and finds the link and its token', async () => {
    const catcher = await startCatcher();
    const to = newAddress();
    const token = newToken();
    const link = `${BASE}/account/reset-password#token=${token}`;

    await send(catcher.url, to, 'Reset your password', link);
    const mail = await catcher.waitFor({ to });

    expect(catcher.url).toBe(`smtp://127.0.0.1:${catcher.port}`);
    expect(mail).toMatchObject({ to: [to], from: FROM, subject: 'Reset your password' });
    expect(mail.text.split('\n')).toContain(link);
    expect(mail.html).toContain('<a href=');
    expect(mail.raw).toContain('Subject: Reset your password');
    expect(mailLink(mail, 'reset-password').href).toBe(link);
    expect(mailToken(mail, 'reset-password')).toBe(token);
    expect(token).toHaveLength(43);
  });

  it('waits for a mail that arrives after the wait began, matching the recipient in any case', async () => {
    const catcher = await startCatcher();
    const to = newAddress();

    const waiting = catcher.waitFor({ to: to.toUpperCase(), subject: /verify/i });
    await send(catcher.url, to, 'Please verify your email', `${BASE}/account/verify-email#token=x`);

    await expect(waiting).resolves.toMatchObject({ subject: 'Please verify your email' });
  });

  it('hands each mail to one wait only: two waits for one recipient get the first, then the second', async () => {
    const catcher = await startCatcher();
    const to = newAddress();
    await send(catcher.url, to, 'first');
    await send(catcher.url, to, 'second');

    const first = await catcher.waitFor({ to });
    const second = await catcher.waitFor({ to });

    expect([first.subject, second.subject]).toEqual(['first', 'second']);
    await expect(catcher.waitFor({ to }, 200)).rejects.toThrow(/^No mail to /);
    expect(catcher.messages).toHaveLength(2);
  });

  it('gives waits made before the mails arrive the mails in the order they were sent', async () => {
    const catcher = await startCatcher();
    const to = newAddress();
    const waits = [catcher.waitFor({ to }), catcher.waitFor({ to })];

    await send(catcher.url, to, 'one');
    await send(catcher.url, to, 'two');

    expect((await Promise.all(waits)).map((m) => m.subject)).toEqual(['one', 'two']);
  });

  it('on timeout names what it waited for and what arrived, recipients and subjects only', async () => {
    const catcher = await startCatcher();
    const other = newAddress();
    const token = newToken();
    await send(
      catcher.url,
      other,
      'Confirm your new email',
      `${BASE}/account/verify-email#token=${token}`,
    );
    const to = newAddress();

    const failure = catcher.waitFor({ to, subject: 'Reset your password' }, 200);

    await expect(failure).rejects.toThrow(
      `No mail to ${to} with subject Reset your password within 200 ms; ` +
        `received 1: ${other}: "Confirm your new email"`,
    );
    await expect(failure).rejects.not.toThrow(token);
  });

  it('says clearly when a mail has no such link, or a link without a token', async () => {
    const catcher = await startCatcher();
    const to = newAddress();
    await send(catcher.url, to, 'Email change', `${BASE}/account/cancel-email-change?token=abc`);
    const mail: ReceivedMail = await catcher.waitFor({ to });

    expect(() => mailLink(mail, 'reset-password')).toThrow(
      `No /account/reset-password link in the text part of "Email change" to ${to} ` +
        '(links to: /account/cancel-email-change)',
    );
    expect(() => mailToken(mail, 'cancel-email-change')).toThrow(
      'The /account/cancel-email-change link in "Email change" has no #token= fragment',
    );
  });

  it('stops (an SMTP outage: sending fails) and starts again on the same port', async () => {
    const first = await startCatcher();
    const { port, url } = first;
    const pending = first.waitFor({ to: newAddress() });
    await first.stop();
    await expect(pending).rejects.toThrow(/^The mail catcher stopped before a mail to /);

    const to = newAddress();
    await expect(send(url, to, 'during the outage')).rejects.toMatchObject({
      code: 'ESOCKET',
    });

    const second = await startCatcher(port);
    await send(url, to, 'after the outage');
    expect(second.port).toBe(port);
    await expect(second.waitFor({ to })).resolves.toMatchObject({ subject: 'after the outage' });
    expect(second.messages.map((m) => m.subject)).toEqual(['after the outage']);
  });
});
