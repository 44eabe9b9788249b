import type { AddressInfo } from 'node:net';

import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** The envelope recipients (RCPT TO): who the message was really sent to. */
  to: string[];
  /** The From header as `Name <address>`, the shape of MAIL_FROM. */
  from: string;
  subject: string;
  text: string;
  html: string;
  raw: string;
  receivedAt: Date;
}

export interface MailMatch {
  to?: string;
  subject?: string | RegExp;
}

interface Waiter {
  match: MailMatch;
  resolve: (mail: ReceivedMail) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

const DEFAULT_WAIT_MS = 10_000;
// Long enough for a client to read the 421, short enough that stop() is an outage right now.
const CLOSE_TIMEOUT_MS = 100;

const matches = (mail: ReceivedMail, { to, subject }: MailMatch) =>
  (to === undefined || mail.to.some((r) => r.toLowerCase() === to.toLowerCase())) &&
  (subject === undefined ||
    (typeof subject === 'string' ? mail.subject === subject : subject.test(mail.subject)));

const describeMatch = ({ to, subject }: MailMatch) =>
  [
    to === undefined ? '' : `to ${to}`,
    subject === undefined ? '' : `with subject ${String(subject)}`,
  ]
    .filter(Boolean)
    .join(' ') || 'at all';

function fromHeader(from: AddressObject | undefined): string {
  const first = from?.value[0];
  if (!first?.address) return from?.text ?? '';
  return first.name ? `${first.name} <${first.address}>` : first.address;
}

/**
 * A real SMTP server in the test process: the service under test sends over the network with its
 * own SMTP client, exactly as in production, and the test reads what arrived. Each message is
 * handed to at most one waitFor, so two waits for the same recipient see two messages.
 */
export class MailCatcher {
  private readonly received: ReceivedMail[] = [];
  private readonly claimed = new Set<ReceivedMail>();
  private readonly waiters: Waiter[] = [];
  private stopped: Promise<void> | undefined;
  private listening = 0;

  private readonly server = new SMTPServer({
    authOptional: true,
    // Plain SMTP on loopback: the client must not be pushed into a TLS upgrade.
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: CLOSE_TIMEOUT_MS,
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const to = session.envelope.rcptTo.map((r) => r.address);
        // Accepted only once stored: when the sender's sendMail resolves, the mail is here.
        simpleParser(raw).then(
          (parsed) => {
            this.receive({
              to,
              from: fromHeader(parsed.from),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              raw,
              receivedAt: new Date(),
            });
            callback();
          },
          (error: unknown) => {
            callback(error instanceof Error ? error : new Error(String(error)));
          },
        );
      });
    },
  });

  private constructor() {}

  /** Port 0 (default) takes a free port; a fixed one lets a test stop the catcher and start another. */
  static async start(options: { port?: number } = {}): Promise<MailCatcher> {
    const catcher = new MailCatcher();
    const { server } = catcher;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    // A client that drops its connection must not crash the test process.
    server.on('error', () => undefined);
    catcher.listening = (server.server.address() as AddressInfo).port;
    return catcher;
  }

  get port(): number {
    return this.listening;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  get messages(): readonly ReceivedMail[] {
    return this.received;
  }

  /** The first unclaimed message that matches, received already or arriving within the time. */
  waitFor(match: MailMatch, timeoutMs = DEFAULT_WAIT_MS): Promise<ReceivedMail> {
    const waiting = this.received.find((m) => !this.claimed.has(m) && matches(m, match));
    if (waiting) {
      this.claimed.add(waiting);
      return Promise.resolve(waiting);
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.dropWaiter(waiter);
          reject(
            new Error(`No mail ${describeMatch(match)} within ${timeoutMs} ms; ${this.seen()}`),
          );
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Closes the port (open connections get a 421); waits still pending are rejected. */
  stop(): Promise<void> {
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(
        new Error(`The mail catcher stopped before a mail ${describeMatch(waiter.match)}`),
      );
    }
    this.stopped ??= new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
    return this.stopped;
  }

  private receive(mail: ReceivedMail): void {
    this.received.push(mail);
    const waiter = this.waiters.find((w) => matches(mail, w.match));
    if (!waiter) return;
    this.dropWaiter(waiter);
    clearTimeout(waiter.timer);
    this.claimed.add(mail);
    waiter.resolve(mail);
  }

  private dropWaiter(waiter: Waiter): void {
    const index = this.waiters.indexOf(waiter);
    if (index >= 0) this.waiters.splice(index, 1);
  }

  /** Recipients and subjects only: the bodies hold live tokens. */
  private seen(): string {
    if (this.received.length === 0) return 'received nothing';
    const list = this.received.map(
      (m) => `${m.to.join(', ')}: "${m.subject}"${this.claimed.has(m) ? ' (claimed)' : ''}`,
    );
    return `received ${this.received.length}: ${list.join('; ')}`;
  }
}

const URL_IN_TEXT = /https?:\/\/[^\s<>"]+/g;

/** The link to `/account/<page>` in the mail's text part (where a reader would copy it from). */
export function mailLink(mail: ReceivedMail, page: string): URL {
  const links = (mail.text.match(URL_IN_TEXT) ?? []).map((l) => new URL(l));
  const link = links.find((l) => l.pathname.endsWith(`/account/${page}`));
  if (!link) {
    const found = links.map((l) => l.pathname).join(', ') || 'none';
    throw new Error(
      `No /account/${page} link in the text part of "${mail.subject}" to ${mail.to.join(', ')} ` +
        `(links to: ${found})`,
    );
  }
  return link;
}

/** The `token` parameter in the fragment of that link. */
export function mailToken(mail: ReceivedMail, page: string): string {
  const link = mailLink(mail, page);
  const token = new URLSearchParams(link.hash.slice(1)).get('token');
  if (!token) {
    throw new Error(`The /account/${page} link in "${mail.subject}" has no #token= fragment`);
  }
  return token;
}
