import { createRequire } from 'node:module';

import { z } from 'zod';

import { PROBLEM_CONTENT_TYPE } from '@secure-api/shared/http';

import type { Access } from '../../gateway/src/domain/route-table.js';
import type { Operation } from './operations.js';
import { documentedRoutes, type DocumentedRoute } from './routes.js';
import { components } from './schemas.js';

type Json = Record<string, unknown>;

const integer = (description: string) => ({ description, schema: { type: 'integer' } });
const HEADERS = new Map<string, Json>([
  [
    'WWW-Authenticate',
    { description: '`Bearer`, when the token was the problem', schema: { type: 'string' } },
  ],
  ['Allow', { description: 'The methods the path has', schema: { type: 'string' } }],
  ['Retry-After', integer('Seconds until a retry may succeed')],
  ['RateLimit-Limit', integer('Requests allowed in the window')],
  ['RateLimit-Remaining', integer('Requests left in the window')],
  ['RateLimit-Reset', integer('Seconds until the window resets')],
]);

interface ProblemResponse {
  name: string;
  description: string;
  headers?: string[];
}

/** The problem responses, by status: shared by every operation that can answer them. */
const PROBLEMS = new Map<number, ProblemResponse>([
  [400, { name: 'BadRequest', description: 'Malformed JSON, or refused by a business rule' }],
  [
    401,
    {
      name: 'Unauthorized',
      description:
        'Missing, malformed, expired or revoked credentials, or a wrong password confirmation',
      headers: ['WWW-Authenticate'],
    },
  ],
  [403, { name: 'Forbidden', description: 'Authenticated, but not permitted' }],
  [404, { name: 'NotFound', description: 'No such resource (or not yours)' }],
  [
    405,
    {
      name: 'MethodNotAllowed',
      description: 'A known path called with a method it does not have',
      headers: ['Allow'],
    },
  ],
  [409, { name: 'Conflict', description: 'The resource is in a state that refuses this' }],
  [413, { name: 'PayloadTooLarge', description: 'Body over the limit (16 KiB by default)' }],
  [415, { name: 'UnsupportedMediaType', description: 'Body that is not application/json' }],
  [422, { name: 'ValidationFailed', description: 'Schema violation; `errors` names each field' }],
  [
    429,
    {
      name: 'TooManyRequests',
      description: 'Rate limited',
      headers: ['Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'],
    },
  ],
  [502, { name: 'BadGateway', description: 'The owning service is unavailable' }],
  [
    503,
    {
      name: 'ServiceUnavailable',
      description: 'A dependency needed for a security decision is down (fail closed), or overload',
    },
  ],
  [504, { name: 'GatewayTimeout', description: 'The owning service did not answer in time' }],
]);

/** A JSON Schema for embedding: the dialect and id belong to the document, not to each schema. */
const embeddable = (schema: object): Json =>
  Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$schema' && key !== '$id'));

function jsonSchema(schema: z.ZodType): Json {
  return embeddable(z.toJSONSchema(schema, { io: 'input' }));
}

function componentSchemas(): Record<string, Json> {
  const { schemas } = z.toJSONSchema(components, {
    io: 'output',
    uri: (id) => `#/components/schemas/${id}`,
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => [id, embeddable(schema)]),
  );
}

function ref(schema: z.ZodType): Json {
  const id = components.get(schema)?.id;
  if (!id) throw new Error('A response schema must be registered in scripts/openapi/schemas.ts');
  return { $ref: `#/components/schemas/${id}` };
}

/** Path and query parameters from the owner's params/query object schema. */
function parameters(where: 'path' | 'query', schema: z.ZodType | undefined): Json[] {
  if (!schema) return [];
  const { properties = {}, required = [] } = jsonSchema(schema) as {
    properties?: Record<string, Json>;
    required?: string[];
  };
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.includes(name),
    schema: property,
  }));
}

function securityOf(op: Operation, access: Access | undefined): Json[] {
  if (access === undefined || access === 'public') return [];
  if (access === 'optional') return [{}, { bearerAuth: [] }];
  return op.personOnly ? [{ bearerAuth: [] }] : [{ bearerAuth: [] }, { apiKey: [] }];
}

function who(access: Access | undefined, op: Operation): string {
  if (access === undefined || access === 'public') return 'Anyone.';
  if (access === 'optional') return 'Anyone; a bearer token that is sent must be valid.';
  const holder = op.personOnly ? 'An access token of a person (not an API key)' : 'A caller';
  return access === 'authenticated'
    ? `${holder}.`
    : `${holder} whose role has the \`${access}\` permission.`;
}

/** The errors a route can answer given its shape. */
function errorStatuses(op: Operation, access: Access | undefined): number[] {
  if (access === undefined) return [];
  const statuses = new Set<number>([429, 502, 504, ...(op.errors ?? [])]);
  const { params, query, body } = op.request ?? {};
  if (body) [400, 413, 415, 422].forEach((s) => statuses.add(s));
  if (params || query) statuses.add(422);
  if (params) statuses.add(404);
  if (access !== 'public') [401, 503].forEach((s) => statuses.add(s));
  if (access !== 'public' && access !== 'optional' && access !== 'authenticated') statuses.add(403);
  return [...statuses].sort((a, b) => a - b);
}

function successResponse(op: Operation): Json {
  const { status, description, schemas = [], setsRefreshCookie } = op.success;
  const [only, ...more] = schemas.map(ref);
  const schema = more.length > 0 ? { oneOf: [only, ...more] } : only;
  return {
    [status]: {
      description,
      ...(setsRefreshCookie
        ? {
            headers: {
              'Set-Cookie': {
                description:
                  '`refresh_token`: HttpOnly, Secure, SameSite=Strict, Path=/api/v1/auth (not ' +
                  'sent with an MfaChallenge). A completed login (not a refresh) also sets a ' +
                  'device cookie `device_…`: HttpOnly, Secure, SameSite=Strict, ' +
                  'Path=/api/v1/auth/login, one year',
                schema: { type: 'string' },
              },
            },
          }
        : {}),
      ...(schema ? { content: { 'application/json': { schema } } } : {}),
    },
  };
}

function operation({ op, access, owner }: DocumentedRoute): Json {
  const cookie = op.refreshCookie
    ? [
        {
          name: 'refresh_token',
          in: 'cookie',
          required: op.refreshCookie === 'required',
          description: 'The refresh cookie set by login',
          schema: { type: 'string' },
        },
      ]
    : [];
  const params = [
    ...parameters('path', op.request?.params),
    ...parameters('query', op.request?.query),
    ...cookie,
  ];
  const errors = errorStatuses(op, access).map((status) => {
    const problem = PROBLEMS.get(status);
    if (!problem) throw new Error(`No problem response for ${status}`);
    return [status, { $ref: `#/components/responses/${problem.name}` }] as const;
  });
  return {
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    description: [who(access, op), op.description].filter(Boolean).join(' '),
    security: securityOf(op, access),
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(op.request?.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchema(op.request.body) } },
          },
        }
      : {}),
    responses: { ...successResponse(op), ...Object.fromEntries(errors) },
    'x-owner': owner,
    ...(access && !['public', 'optional', 'authenticated'].includes(access)
      ? { 'x-permission': access }
      : {}),
  };
}

function paths(): Record<string, Json> {
  const result = new Map<string, Map<string, Json>>();
  for (const route of documentedRoutes()) {
    const item = result.get(route.path) ?? new Map<string, Json>();
    if (item.has(route.method)) throw new Error(`${route.method} ${route.path} is listed twice`);
    result.set(route.path, item.set(route.method, operation(route)));
  }
  return Object.fromEntries([...result].map(([path, item]) => [path, Object.fromEntries(item)]));
}

function problemResponses(): Record<string, Json> {
  return Object.fromEntries(
    [...PROBLEMS.values()].map(({ name, description, headers = [] }) => [
      name,
      {
        description,
        ...(headers.length > 0
          ? { headers: Object.fromEntries(headers.map((h) => [h, HEADERS.get(h)])) }
          : {}),
        content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } },
      },
    ]),
  );
}

const DESCRIPTION = `Security-first REST API. Every route goes through the gateway; bodies are JSON only
(16 KiB by default). Every error is RFC 9457 \`application/problem+json\` (the Problem schema).
Every response carries \`X-Request-ID\` (the gateway's own id for the request, under which it is logged
and audited) and \`Cache-Control: no-store\`; a sane \`X-Request-ID\` sent by the client is kept apart
as its \`client_request_id\` and echoed as \`X-Client-Request-ID\`. Rate-limited responses carry
\`RateLimit-Limit\`, \`RateLimit-Remaining\` and \`RateLimit-Reset\`. A path not listed here is a 404; a
listed path called with a method it does not have is a 405 with \`Allow\` (MethodNotAllowed). HEAD is
allowed wherever GET is.

Generated from the services' zod schemas by \`npm run openapi\`; do not edit by hand.`;

export function buildOpenApiDocument(): Json {
  const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
  return {
    openapi: '3.1.0',
    info: { title: 'Secure API', version: pkg.version, description: DESCRIPTION },
    servers: [{ url: '/', description: 'The gateway serving this document' }],
    tags: [
      { name: 'operations', description: 'Served by the gateway itself' },
      { name: 'auth', description: 'Credentials and tokens (auth-service)' },
      { name: 'sessions', description: 'Your sessions (auth-service)' },
      { name: 'two-factor', description: 'TOTP and backup codes (auth-service)' },
      {
        name: 'recovery',
        description: 'Mailed links: password reset, email verification and change (auth-service)',
      },
      { name: 'api-keys', description: 'Your API keys (auth-service)' },
      { name: 'users', description: 'Profiles and user administration (user-service)' },
      { name: 'admin', description: 'Administration (auth-service, audit-service)' },
      { name: 'audit', description: 'The tamper-evident audit trail (audit-service)' },
    ],
    paths: paths(),
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'The access token from login, refresh or login/2fa (EdDSA JWT, 15 minutes)',
        },
        apiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'X-API-Key',
          description:
            'An API key (`sk_<prefix>_<secret>`), limited to its scopes and its own rate',
        },
      },
      schemas: componentSchemas(),
      responses: problemResponses(),
    },
  };
}

/** The document as committed in docs/openapi.json: JSON with a final newline. */
export function openApiJson(): string {
  return `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
}
