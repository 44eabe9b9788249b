import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { eventually, mailToken } from '@secure-api/shared/testing';

import { AuthHarness } from './support/harness.js';
import { mailSettled, RESET_SUBJECT, VERIFY_SUBJECT } from './support/recovery.js';

const RETRY = 'mail not sent, will retry';

describe('mail relay: an SMTP outage delays mail, loses none and leaks nothing', () => {
  let h: AuthHarness;

  beforeAll(async () => {
    h = await AuthHarness.start('auth_mail_relay');
  });

  afterAll(async () => {
    await h.close();
  });

  const outbox = () => h.sql<{ id: string; sealed: string }>('SELECT id, sealed FROM mail_outbox');
  const retries = () => h.logs.lines().filter((l) => l.msg === RETRY).length;
  const metric = async (name: string) => {
    const text = (await h.api.get('/metrics')).text;
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
    return Number(line?.split(' ').at(-1));
  };

  it('a forgot during the outage answers 202 at once; the sealed mail arrives once SMTP is back', async () => {
    const user = await h.register();
    await h.mail.waitFor({ to: user.email, subject: VERIFY_SUBJECT });
    await mailSettled(h);
    const restart = await h.mailOutage();

    const started = Date.now();
    const res = await h.forgot(user.email);
    const took = Date.now() - started;

    expect(res.status).toBe(202);
    // The answer never waits for SMTP (whose connect timeout alone is 10 s).
    expect(took).toBeLessThan(2000);
    // Two failed attempts: the relay really met the outage and backed off (1 s, then 2 s).
    expect(await eventually(() => Promise.resolve(retries() >= 2))).toBe(true);
    const [queued, ...others] = await outbox();
    expect(others).toEqual([]);
    expect(queued?.sealed).not.toContain(user.email);
    expect(queued?.sealed).not.toContain('reset-password');
    const logsDuringOutage = h.logs.text();
    const failuresBefore = await metric('mail_send_failures_total');
    expect(failuresBefore).toBeGreaterThanOrEqual(2);
    expect(await metric('mail_outbox_messages')).toBe(1);
    expect(await metric('mail_outbox_oldest_age_seconds')).toBeGreaterThan(0);
    const sentBefore = await metric('mail_sent_total');

    await restart();
    // The backoff after three failures is 4 s, after four 8 s: well inside this wait.
    const mail = await h.mail.waitFor({ to: user.email, subject: RESET_SUBJECT }, 20_000);
    const token = mailToken(mail, 'reset-password');
    await mailSettled(h);

    expect(queued?.sealed).not.toContain(token);
    expect(logsDuringOutage).not.toContain(user.email);
    expect(logsDuringOutage).not.toContain(token);
    expect(await outbox()).toEqual([]);
    expect(await metric('mail_sent_total')).toBe(sentBefore + 1);
    expect(await metric('mail_outbox_messages')).toBe(0);
    expect((await h.api.get('/metrics')).text).not.toContain(user.email);
    expect(h.leakedSecrets()).toEqual([]);
  }, 45_000);
});
