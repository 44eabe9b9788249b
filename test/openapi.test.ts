import { readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from '@jest/globals';
import { Validator } from '@seriousme/openapi-schema-validator';

import { PUBLIC_ROUTES } from '../gateway/src/domain/route-table.js';
import { buildOpenApiDocument } from '../scripts/openapi/document.js';
import { readmeWithRouteTable } from '../scripts/openapi/readme.js';
import { repoRoot } from './support/kubernetes.js';

interface SchemaObject {
  type?: string;
  properties?: Record<string, SchemaObject>;
  required?: string[];
  additionalProperties?: unknown;
  const?: unknown;
  items?: SchemaObject;
  $ref?: string;
}

interface OperationObject {
  security: Record<string, string[]>[];
  parameters?: { name: string; in: string; required: boolean }[];
  requestBody?: { content: Record<string, { schema: SchemaObject }> };
  responses: Record<string, { $ref?: string; content?: Record<string, { schema: unknown }> }>;
  'x-owner': string;
  'x-permission'?: string;
}

interface Document {
  openapi: string;
  paths: Record<string, Record<string, OperationObject>>;
  components: {
    securitySchemes: Record<string, Record<string, string>>;
    schemas: Record<string, SchemaObject>;
    responses: Record<string, { content: Record<string, { schema: { $ref: string } }> }>;
  };
}

const committed = JSON.parse(
  readFileSync(path.join(repoRoot, 'docs', 'openapi.json'), 'utf8'),
) as Document;
// What `npm run openapi` would write now, through JSON as the file is.
const generated = JSON.parse(JSON.stringify(buildOpenApiDocument())) as Document;

const operations = Object.entries(generated.paths).flatMap(([template, item]) =>
  Object.entries(item).map(([method, op]) => ({ method, template, op })),
);
const proxied = operations.filter(({ op }) => op['x-owner'] !== 'gateway');
const table = PUBLIC_ROUTES.map(({ method, template, rule }) => ({
  method,
  template,
  access: rule.access,
}));
/** Parameter names differ (the table's {keyId} is auth-service's {id}); positions must not. */
const routeKey = (method: string, template: string): string =>
  `${method.toUpperCase()} ${template.replace(/\{[^}]+\}/g, '{}')}`;
const opFor = (method: string, template: string) =>
  proxied.find((o) => routeKey(o.method, o.template) === routeKey(method, template))?.op;
const errorStatuses = (op: OperationObject) =>
  Object.keys(op.responses)
    .map(Number)
    .filter((status) => status >= 400);

describe('docs/openapi.json', () => {
  it('is exactly what `npm run openapi` generates from the zod schemas today (not stale)', () => {
    expect(committed).toEqual(generated);
  });

  it('is a valid OpenAPI 3.1 document in which every $ref resolves', async () => {
    const validator = new Validator();

    const result = await validator.validate(structuredClone(generated) as never);

    expect(result).toEqual({ valid: true });
    expect(validator.version).toBe('3.1');
    expect(() => validator.resolveRefs()).not.toThrow();
  });
});

describe('README.md', () => {
  it('has the route table `npm run openapi` writes today (not stale)', async () => {
    const readme = path.join(repoRoot, 'README.md');
    const current = readFileSync(readme, 'utf8');

    expect(current).toBe(await readmeWithRouteTable(current, readme));
  });
});

describe('the OpenAPI document against the gateway route table', () => {
  it('reads the route table', () => {
    expect(table.length).toBeGreaterThanOrEqual(30);
    expect(table).toContainEqual({
      method: 'POST',
      template: '/api/v1/auth/login',
      access: 'public',
    });
  });

  it('lists every method and path of the route table, and no other proxied route', () => {
    const documented = proxied.map((o) => routeKey(o.method, o.template)).sort();
    const routed = table.map((r) => routeKey(r.method, r.template)).sort();

    expect(documented).toEqual(routed);
  });

  it('adds only the gateway’s own GET /health', () => {
    expect(operations.filter(({ op }) => op['x-owner'] === 'gateway')).toEqual([
      expect.objectContaining({ method: 'get', template: '/health' }),
    ]);
  });

  it('needs no credentials on public routes, and bearerAuth (or apiKey) everywhere else', () => {
    for (const route of table) {
      const op = opFor(route.method, route.template)!;
      const schemes = op.security.flatMap((requirement) => Object.keys(requirement)).sort();
      switch (route.access) {
        case 'public':
          expect([route.template, op.security]).toEqual([route.template, []]);
          break;
        case 'optional':
          // Logout: anonymous (refresh cookie) or a bearer, never an API key.
          expect([route.template, op.security]).toEqual([route.template, [{}, { bearerAuth: [] }]]);
          break;
        default:
          expect([route.template, schemes.filter((s) => s !== 'apiKey')]).toEqual([
            route.template,
            ['bearerAuth'],
          ]);
          expect(op.security).not.toContainEqual({});
      }
      const permission = ['public', 'optional', 'authenticated'].includes(route.access)
        ? undefined
        : route.access;
      expect([route.template, op['x-permission']]).toEqual([route.template, permission]);
    }
  });

  it('defines the bearerAuth (JWT) and apiKey (X-API-Key header) security schemes', () => {
    expect(generated.components.securitySchemes).toEqual({
      bearerAuth: expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }),
      apiKey: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-API-Key' }),
    });
  });
});

describe('OpenAPI error responses', () => {
  it('are problem+json with the documented Problem schema', () => {
    const problem = generated.components.schemas.Problem!;

    expect(Object.keys(problem.properties ?? {}).sort()).toEqual(
      ['detail', 'errors', 'instance', 'request_id', 'status', 'title', 'type'].sort(),
    );
    expect([...(problem.required ?? [])].sort()).toEqual(
      ['detail', 'instance', 'request_id', 'status', 'title', 'type'].sort(),
    );
    const statuses = Object.values(generated.components.responses);
    expect(statuses).toHaveLength(13);
    for (const response of statuses) {
      expect(response.content).toEqual({
        'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
      });
    }
  });

  it('name 401 where credentials are needed, 403 where a permission is, 422 where input is validated, and 429/502/504 on every proxied route', () => {
    for (const route of table) {
      const op = opFor(route.method, route.template)!;
      const statuses = errorStatuses(op);
      const expected = [429, 502, 504];
      if (route.access !== 'public') expected.push(401, 503);
      if (!['public', 'optional', 'authenticated'].includes(route.access)) expected.push(403);
      if (op.requestBody) expected.push(400, 413, 415, 422);
      if (op.parameters?.some((p) => p.in !== 'cookie')) expected.push(422);
      expect([route.template, statuses]).toEqual([
        route.template,
        expect.arrayContaining(expected) as unknown,
      ]);
    }
  });
});

describe('OpenAPI request and response shapes', () => {
  const bodyOf = (method: string, template: string) =>
    opFor(method, template)?.requestBody?.content['application/json']?.schema;
  const schemas = new Map(Object.entries(generated.components.schemas));
  const keysOf = (name: string) => Object.keys(schemas.get(name)?.properties ?? {}).sort();

  it('takes request bodies from the owners’ strict zod schemas: unknown fields are refused', () => {
    const bodies = proxied.flatMap(({ op }) =>
      op.requestBody ? [op.requestBody.content['application/json']!.schema] : [],
    );

    expect(bodies.length).toBeGreaterThanOrEqual(12);
    for (const body of bodies) expect(body.additionalProperties).toBe(false);
    expect(bodyOf('POST', '/api/v1/auth/register')?.required).toEqual([
      'username',
      'email',
      'password',
    ]);
    expect(Object.keys(bodyOf('PUT', '/api/v1/users/me')?.properties ?? {}).sort()).toEqual([
      'current_password',
      'email',
      'full_name',
      'sign_in_alerts',
    ]);
    expect(bodyOf('POST', '/api/v1/users/me/change-password')?.required).toEqual([
      'current_password',
      'new_password',
    ]);
  });

  it('takes path and query parameters from the owners’ schemas', () => {
    const list = opFor('GET', '/api/v1/users')!;
    const remove = opFor('DELETE', '/api/v1/users/{id}')!;

    expect(list.parameters).toEqual([
      expect.objectContaining({ name: 'page', in: 'query', required: false }),
      expect.objectContaining({ name: 'per_page', in: 'query', required: false }),
    ]);
    expect(remove.parameters).toEqual([
      expect.objectContaining({ name: 'id', in: 'path', required: true }),
    ]);
  });

  it('describes the user object, the token response, the MFA challenge and the list envelopes', () => {
    expect(keysOf('User')).toEqual(
      [
        'created_at',
        'email',
        'email_verified',
        'full_name',
        'id',
        'is_active',
        'role',
        'username',
      ].sort(),
    );
    expect(keysOf('UserSettings')).toEqual(['sign_in_alerts']);
    expect(keysOf('TokenResponse')).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(schemas.get('TokenResponse')?.properties?.token_type?.const).toBe('bearer');
    expect(keysOf('MfaChallenge')).toEqual(['mfa_required', 'mfa_token']);
    expect(keysOf('UserList')).toEqual(['page', 'pages', 'per_page', 'total', 'users']);
    expect(keysOf('SessionList')).toEqual(['sessions']);
    expect(keysOf('ApiKeyList')).toEqual(['api_keys']);
    expect(keysOf('AuditPage')).toEqual(['events', 'next_cursor']);
    expect(keysOf('ChainVerification')).toEqual([
      'checked',
      'checkpoint',
      'checkpoint_problem',
      'first_bad_id',
      'from_seq',
      'valid',
    ]);
    const login = opFor('POST', '/api/v1/auth/login')!.responses['200']!;
    expect(login.content?.['application/json']?.schema).toEqual({
      oneOf: [
        { $ref: '#/components/schemas/TokenResponse' },
        { $ref: '#/components/schemas/MfaChallenge' },
      ],
    });
  });
});
