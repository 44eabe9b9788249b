import express, { type NextFunction, type Request, type RequestHandler } from 'express';

import { Problems } from './app-error.js';

export interface JsonBodyOptions {
  /** Bytes; checked against Content-Length before reading and while streaming. */
  limit: number;
  maxDepth?: number;
  maxArrayLength?: number;
  maxKeys?: number;
}

declare module 'express-serve-static-core' {
  interface Request {
    /** The exact bytes received, kept so the gateway forwards what the client sent. */
    rawBody?: Buffer;
  }
}

function hasBody(headers: { 'content-length'?: string; 'transfer-encoding'?: string }): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = headers['content-length'];
  return length !== undefined && length !== '0';
}

function isJsonType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const [mediaType = ''] = contentType.split(';');
  const type = mediaType.trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

/** Rejects documents whose shape would be costly to walk (deep nesting, huge arrays/objects). */
export function jsonShapeIsSafe(
  value: unknown,
  { maxDepth = 32, maxArrayLength = 1000, maxKeys = 1000 }: Omit<JsonBodyOptions, 'limit'> = {},
): boolean {
  const stack: { node: unknown; depth: number }[] = [{ node: value, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop() ?? { node: null, depth: 0 };
    if (node === null || typeof node !== 'object') continue;
    if (depth >= maxDepth) return false;
    const children = Array.isArray(node) ? node : Object.values(node);
    if (Array.isArray(node) ? node.length > maxArrayLength : children.length > maxKeys)
      return false;
    for (const child of children) stack.push({ node: child, depth: depth + 1 });
  }
  return true;
}

// A lone surrogate (JSON "\ud800") is not text: PostgreSQL refuses it in jsonb and text, and it
// turns into U+FFFD or an exception wherever it is encoded again. With the `u` flag, \p{Cs} matches
// only an unpaired surrogate (the same test as String.prototype.isWellFormed).
const LONE_SURROGATE = /\p{Cs}/u;
const LONE_SURROGATES = /\p{Cs}/gu;
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/**
 * Where the first string or key that is not well-formed Unicode is, as a field path (`a.b.0`,
 * `body` for the document itself), or undefined when all text is well-formed. A bad key is named
 * with U+FFFD in place of its surrogates.
 */
export function illFormedTextAt(value: unknown): string | undefined {
  const stack: { node: unknown; path: string[] }[] = [{ node: value, path: [] }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { node, path } = next;
    if (typeof node === 'string') {
      if (LONE_SURROGATE.test(node)) return path.join('.') || 'body';
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    for (const [key, child] of Object.entries(node)) {
      if (LONE_SURROGATE.test(key))
        return [...path, key.replace(LONE_SURROGATES, '\ufffd')].join('.');
      stack.push({ node: child, path: [...path, key] });
    }
  }
  return undefined;
}

// RFC 8259: JSON text is UTF-8. Bytes that are not (an encoded surrogate, an overlong form) make
// the document malformed, instead of being quietly replaced by U+FFFD.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The one JSON body parser of every service: bodies must be application/json (415), within the
 * limit (413, refused before buffering when Content-Length says so), well-formed UTF-8 JSON (400),
 * of a sane shape (400), and every string and key in them well-formed Unicode (422, naming where:
 * no schema can forget it). The raw bytes stay on `req.rawBody`.
 */
export function jsonBody(options: JsonBodyOptions): RequestHandler {
  const raw: RequestHandler = express.raw({ type: () => true, limit: options.limit });
  // Decides on the bytes body-parser read (or on its refusal).
  const parse = (req: Request, next: NextFunction) => (error?: unknown) => {
    if (error) {
      next(error);
      return;
    }
    const buffer: unknown = req.body;
    req.body = undefined;
    if (!Buffer.isBuffer(buffer)) {
      next();
      return;
    }
    req.rawBody = buffer;
    if (buffer.length === 0) {
      next();
      return;
    }
    let parsed: unknown;
    let text: string;
    try {
      text = utf8.decode(buffer);
      parsed = JSON.parse(text);
    } catch {
      next(Problems.malformedJson());
      return;
    }
    if (!jsonShapeIsSafe(parsed, options)) {
      next(Problems.jsonTooComplex());
      return;
    }
    // Strictly decoded UTF-8 holds no surrogate: only a `\uD800`-style escape can make one, so
    // the walk runs only for a body that has such an escape.
    const illFormed = SURROGATE_ESCAPE.test(text) ? illFormedTextAt(parsed) : undefined;
    if (illFormed !== undefined) {
      next(
        Problems.validation([{ field: illFormed, message: 'Must be well-formed Unicode text' }]),
      );
      return;
    }
    req.body = parsed;
    next();
  };
  // One handler, not a chain: most requests (every GET) have no body and leave after one test.
  return (req, res, next) => {
    if (!hasBody(req.headers)) {
      req.body = undefined;
      next();
      return;
    }
    if (!isJsonType(req.headers['content-type'])) {
      next(Problems.unsupportedMediaType());
      return;
    }
    // Announced too big: answer now and close, rather than let body-parser read the megabytes
    // off the socket (as slowly as the client likes) before saying no.
    if (Number(req.headers['content-length'] ?? 0) > options.limit) {
      res.setHeader('Connection', 'close');
      next(Problems.payloadTooLarge(options.limit));
      return;
    }
    raw(req, res, parse(req, next));
  };
}
