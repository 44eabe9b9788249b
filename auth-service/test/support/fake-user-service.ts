import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { UserProfile as FakeProfile } from '../../src/domain/ports.js';

/**
 * Stands in for user-service's internal user directory, the only part of it auth-service calls:
 * POST /internal/users, GET and DELETE /internal/users/{id}, PUT /internal/users/{id}/email. It
 * keeps the profiles it was given in memory and refuses a call without a bearer, so auth-service's
 * calls are real HTTP both ways.
 */
type Answer = [status: number, body?: unknown];

export class FakeUserService {
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    readonly profiles: Map<string, FakeProfile>,
  ) {}

  static async start(): Promise<FakeUserService> {
    const profiles = new Map<string, FakeProfile>();
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const body = text ? (JSON.parse(text) as Partial<FakeProfile>) : undefined;
        const [status, payload] = answer(profiles, req, body);
        res.statusCode = status;
        if (payload === undefined) {
          res.end();
          return;
        }
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(payload));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new FakeUserService(server, `http://127.0.0.1:${port}`, profiles);
  }

  /** What an admin deactivating the account in user-service would leave behind. */
  deactivate(id: string): void {
    const profile = this.profiles.get(id);
    if (profile) profile.is_active = false;
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

function answer(
  profiles: Map<string, FakeProfile>,
  req: http.IncomingMessage,
  body: Partial<FakeProfile> | undefined,
): Answer {
  if (!req.headers.authorization?.startsWith('Bearer ')) return [401, { status: 401 }];
  if (req.method === 'POST' && req.url === '/internal/users' && body?.id) {
    const taken = [...profiles.values()].some(
      (p) => p.id === body.id || p.username === body.username || p.email === body.email,
    );
    if (taken) return [409, { status: 409 }];
    const profile: FakeProfile = {
      id: body.id,
      username: body.username ?? '',
      email: body.email ?? '',
      email_verified: body.email_verified ?? false,
      full_name: body.full_name ?? null,
      role: body.role ?? 'user',
      is_active: true,
      created_at: new Date().toISOString(),
      sign_in_alerts: true,
    };
    profiles.set(profile.id, profile);
    return [201, profile];
  }
  const [, id = '', emailRoute] =
    /^\/internal\/users\/([0-9a-f-]{36})(\/email)?$/.exec(req.url ?? '') ?? [];
  const profile = profiles.get(id);
  if (req.method === 'PUT' && emailRoute && profile && body?.email !== undefined) {
    const taken = [...profiles.values()].some((p) => p.id !== id && p.email === body.email);
    if (taken) return [409, { status: 409, detail: 'Email already in use' }];
    profile.email = body.email;
    profile.email_verified = body.email_verified ?? false;
    return [200, profile];
  }
  if (emailRoute) return [404, { status: 404 }];
  if (req.method === 'GET' && profile) return [200, profile];
  if (req.method === 'DELETE' && profiles.delete(id)) return [204];
  return [404, { status: 404 }];
}
