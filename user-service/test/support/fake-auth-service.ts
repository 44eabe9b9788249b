import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  path: string;
  authorization: string | undefined;
  requestId: string | undefined;
  body: unknown;
}

/** current_password values that make the fake refuse, the way auth-service would. */
export const AUTH_SAYS = {
  wrongPassword: 'wrong-password',
  sessionGone: 'session-gone',
  breaks: 'auth-breaks',
  tooMany: 'too-many-changes',
};

/**
 * Stands in for auth-service's internal credential endpoints (an email change request, deletion,
 * ending an account's sessions) and records every call, so tests can assert what user-service
 * sent. Its answers depend only on the request, never on test state: an email change it does not
 * refuse is accepted with 202, as auth-service does once it has mailed the confirmation link.
 */
export class FakeAuthService {
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    readonly calls: RecordedCall[],
  ) {}

  static async start(): Promise<FakeAuthService> {
    const calls: RecordedCall[] = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const call: RecordedCall = {
          method: req.method ?? '',
          path: req.url ?? '',
          authorization: req.headers.authorization,
          requestId: req.headers['x-request-id'] as string | undefined,
          body: text ? (JSON.parse(text) as unknown) : undefined,
        };
        calls.push(call);
        answer(call, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new FakeAuthService(server, `http://127.0.0.1:${port}`, calls);
  }

  callsFor(path: string): RecordedCall[] {
    return this.calls.filter((call) => call.path === path);
  }

  emailCallsFor(email: string): RecordedCall[] {
    return this.callsFor('/internal/credentials/email').filter(
      (call) => (call.body as { email?: string } | undefined)?.email === email,
    );
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }
}

function problem(res: http.ServerResponse, status: number, detail: string) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/problem+json');
  res.end(JSON.stringify({ type: 'about:blank', title: 'x', status, detail }));
}

function answer(call: RecordedCall, res: http.ServerResponse) {
  if (call.method === 'POST' && call.path === '/internal/credentials/email') {
    const password = (call.body as { current_password?: string }).current_password;
    switch (password) {
      case AUTH_SAYS.wrongPassword:
        problem(res, 400, 'Current password is incorrect');
        return;
      case AUTH_SAYS.sessionGone:
        problem(res, 401, 'Invalid or expired token');
        return;
      case AUTH_SAYS.breaks:
        problem(res, 500, 'Error: connect ECONNREFUSED at Sequelize.query (/srv/auth/index.js:1)');
        return;
      case AUTH_SAYS.tooMany:
        res.setHeader('Retry-After', '1234');
        problem(res, 429, 'Too many requests, retry later');
        return;
      default:
        res.statusCode = 202;
        res.end();
        return;
    }
  }
  const onAccount = /^\/internal\/credentials\/[0-9a-f-]{36}(\/sessions\/end)?$/.exec(call.path);
  if (onAccount && call.method === (onAccount[1] ? 'POST' : 'DELETE')) {
    res.statusCode = 204;
    res.end();
    return;
  }
  problem(res, 404, 'Not found');
}
