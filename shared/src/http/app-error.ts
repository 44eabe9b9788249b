import { STATUS_CODES } from 'node:http';

const TITLES = new Map(Object.entries(STATUS_CODES));

export interface FieldError {
  field: string;
  message: string;
}

export interface AppErrorOptions {
  title?: string;
  errors?: FieldError[];
  headers?: Record<string, string>;
  cause?: unknown;
}

/** A failure the client may see: status, a stable code and a public detail. Nothing else leaks. */
export class AppError extends Error {
  readonly title: string;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;

  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    options: AppErrorOptions = {},
  ) {
    super(detail, { cause: options.cause });
    this.name = 'AppError';
    this.title = options.title ?? TITLES.get(String(status)) ?? 'Error';
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }
}

export const Problems = {
  malformedJson: () => new AppError(400, 'malformed-json', 'Request body is not valid JSON'),
  jsonTooComplex: () =>
    new AppError(
      400,
      'json-too-complex',
      'Request body is nested too deeply or has too many elements',
    ),
  unauthorized: (detail = 'Invalid or expired token') =>
    new AppError(401, 'unauthorized', detail, { headers: { 'WWW-Authenticate': 'Bearer' } }),
  forbidden: (detail = 'Insufficient permissions') => new AppError(403, 'forbidden', detail),
  notFound: (detail = 'The requested resource was not found') =>
    new AppError(404, 'not-found', detail),
  payloadTooLarge: (limitBytes: number) =>
    new AppError(413, 'payload-too-large', `Request body exceeds the ${limitBytes}-byte limit`),
  unsupportedMediaType: () =>
    new AppError(415, 'unsupported-media-type', 'Request body must be application/json'),
  validation: (errors: FieldError[]) =>
    new AppError(422, 'validation-failed', 'The request did not pass validation', { errors }),
  tooManyRequests: (retryAfterSeconds: number, headers: Record<string, string> = {}) =>
    new AppError(429, 'rate-limited', 'Too many requests, retry later', {
      headers: { 'Retry-After': String(retryAfterSeconds), ...headers },
    }),
  internal: () => new AppError(500, 'internal', 'An unexpected error occurred'),
  badGateway: () => new AppError(502, 'bad-gateway', 'The upstream service is unavailable'),
  unavailable: (detail = 'The service is temporarily unavailable') =>
    new AppError(503, 'unavailable', detail),
  gatewayTimeout: () =>
    new AppError(504, 'gateway-timeout', 'The upstream service did not answer in time'),
};
