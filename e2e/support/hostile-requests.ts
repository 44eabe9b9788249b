import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

/** One operation of the published API, with the parameters it declares. */
export interface DocumentedOperation {
  method: string;
  /** OpenAPI template: `/api/v1/users/{id}`. */
  template: string;
  parameters: { in: 'path' | 'query' | 'cookie' | 'header'; name: string }[];
}

type OpenApi = {
  paths: Record<string, Record<string, { parameters?: DocumentedOperation['parameters'] }>>;
};

/** Every operation of docs/openapi.json: a route added there is attacked without a test change. */
export function documentedOperations(): DocumentedOperation[] {
  const file = path.join(import.meta.dirname, '..', '..', 'docs', 'openapi.json');
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- the repository's own file
  const document = JSON.parse(readFileSync(file, 'utf8')) as OpenApi;
  return Object.entries(document.paths).flatMap(([template, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({
      method: method.toUpperCase(),
      template,
      parameters: operation.parameters ?? [],
    })),
  );
}

const b64 = (text: string) => Buffer.from(text).toString('base64url');

/**
 * Values as they go on the wire (already percent-encoded where needed): numbers too big, negative,
 * not numbers; dates out of any sane range; unicode including lone surrogates and invalid UTF-8;
 * NUL, CR/LF, path tricks, very long strings, JSON and injection look-alikes.
 */
export const HOSTILE_VALUES: readonly string[] = [
  '',
  '0',
  '-1',
  '-0',
  '1.5',
  '1e308',
  '9007199254740993',
  '99999999999999999999999999999999',
  'NaN',
  'Infinity',
  '0x1F',
  '%201',
  '%EF%BC%91',
  'null',
  'true',
  'undefined',
  'constructor',
  '__proto__',
  '0000-01-01T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '%2B275760-09-13T00:00:00Z',
  '9999-12-31T23:59:59-14:00',
  '2000-01-01T00:00:00%2B14:00',
  '1970-01-01T00:00:00Z',
  '2024-02-30T00:00:00Z',
  '00000000-0000-0000-0000-000000000000',
  'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
  'not-a-uuid',
  '%F0%9F%92%A9',
  '%ED%A0%80',
  '%ED%B0%80',
  '%uD800',
  '%F4%90%80%80',
  '%C0%AE',
  '%FF%FE',
  '%E0%A4%A',
  '%',
  '%25',
  '%00',
  'a%00b',
  '%0D%0AX-Injected:%201',
  '..%2F..%2Fetc%2Fpasswd',
  '%2E%2E',
  '%5B%5D',
  '%7B%22%24gt%22%3A%22%22%7D',
  "'%20OR%201=1--",
  '%3Cscript%3Ealert(1)%3C%2Fscript%3E',
  '%24%7Bjndi%3Aldap%3A%2F%2Fx%7D',
  b64('seq:0'),
  b64('seq:999999999999999'),
  b64('seq:-1'),
  b64('x'.repeat(40)),
  'a'.repeat(5000),
  '%F0%9F%92%A9'.repeat(300),
];

export interface HostileRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** What is being attacked, for the failure list. */
  label: string;
}

const fill = (template: string, values: Record<string, string>) =>
  template.replace(
    /\{([^}]+)\}/g,
    (_, name: string) => new Map(Object.entries(values)).get(name) ?? randomUUID(),
  );

/**
 * For one operation: every hostile value in every path, query and cookie parameter it declares
 * (others valid), a query parameter repeated (an array) and with brackets, and hostile values in a
 * parameter it does not declare.
 */
export function hostileRequestsFor(operation: DocumentedOperation): HostileRequest[] {
  const { method, template } = operation;
  const base = fill(template, {});
  const out: HostileRequest[] = [];
  const add = (where: string, path: string, headers: Record<string, string> = {}) =>
    out.push({ method, path, headers, label: `${method} ${template} ${where}` });
  for (const parameter of operation.parameters) {
    for (const value of HOSTILE_VALUES) {
      const shown = JSON.stringify(value.slice(0, 40));
      if (parameter.in === 'path') {
        add(`path ${parameter.name}=${shown}`, fill(template, { [parameter.name]: value }));
      } else if (parameter.in === 'query') {
        add(`query ${parameter.name}=${shown}`, `${base}?${parameter.name}=${value}`);
      } else if (parameter.in === 'cookie') {
        add(`cookie ${parameter.name}=${shown}`, base, { cookie: `${parameter.name}=${value}` });
      }
    }
    if (parameter.in === 'query') {
      const name = parameter.name;
      add(`query ${name} repeated`, `${base}?${name}=1&${name}=2`);
      add(`query ${name}[]`, `${base}?${name}%5B%5D=1`);
      add(`query ${name}[$gt]`, `${base}?${name}%5B%24gt%5D=`);
    }
  }
  for (const value of ['1', '%00', '%ED%A0%80', 'a'.repeat(5000)])
    add(`undeclared query ${JSON.stringify(value.slice(0, 40))}`, `${base}?x=${value}&x=2`);
  add('undeclared query __proto__', `${base}?__proto__=1&constructor=2`);
  return out;
}

export interface RawResponse {
  status: number;
  contentType: string;
  body: string;
}

/** Sends exactly these bytes as the request target (supertest would normalise them). */
export function sendRaw(baseUrl: string, request: HostileRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: request.method,
        path: request.path,
        headers: request.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'] ?? '',
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}
