import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const USER_COUNTS = {
  total: 7,
  by_role: { admin: 1, moderator: 1, user: 4, viewer: 1 },
  active: 6,
  inactive: 1,
};

export type FakeMode = 'ok' | 'forbidden' | 'unauthorized' | 'broken' | 'wrong-shape' | 'slow';

/** Stands in for user-service's GET /internal/users/stats and records who asked. */
export class FakeUserService {
  mode: FakeMode = 'ok';
  readonly calls: { path: string; authorization?: string; requestId?: string }[] = [];

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeUserService> {
    const fake: { current?: FakeUserService } = {};
    const server = http.createServer((req, res) => {
      fake.current?.answer(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake.current = new FakeUserService(server, `http://127.0.0.1:${port}`);
    return fake.current;
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.calls.push({
      path: req.url ?? '',
      authorization: req.headers.authorization,
      requestId: req.headers['x-request-id'] as string | undefined,
    });
    const json = (status: number, body: unknown) => {
      res.statusCode = status;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(body));
    };
    switch (this.mode) {
      case 'ok':
        json(200, USER_COUNTS);
        return;
      case 'forbidden':
        json(403, { detail: 'Insufficient permissions' });
        return;
      case 'unauthorized':
        json(401, { detail: 'Invalid or expired token' });
        return;
      case 'broken':
        json(500, { detail: 'SequelizeConnectionError at /srv/user-service/index.js:1' });
        return;
      case 'wrong-shape':
        json(200, { ...USER_COUNTS, emails: ['a@example.com'] });
        return;
      case 'slow':
        setTimeout(() => {
          json(200, USER_COUNTS);
        }, 3000);
        return;
    }
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
