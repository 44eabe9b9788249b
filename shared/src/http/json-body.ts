import express, { type RequestHandler } from 'express';

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

/**
 * The one JSON body parser of every service: bodies must be application/json (415), within the
 * limit (413, refused before buffering when Content-Length says so), well-formed (400) and of a
 * sane shape (400). The raw bytes stay on `req.rawBody`.
 */
export function jsonBody(options: JsonBodyOptions): RequestHandler[] {
  return [
    (req, res, next) => {
      if (hasBody(req.headers) && !isJsonType(req.headers['content-type'])) {
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
      next();
    },
    express.raw({ type: () => true, limit: options.limit }),
    (req, _res, next) => {
      if (!Buffer.isBuffer(req.body)) {
        req.body = undefined;
        next();
        return;
      }
      const buffer = req.body;
      req.rawBody = buffer;
      if (buffer.length === 0) {
        req.body = undefined;
        next();
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(buffer.toString('utf8'));
      } catch {
        next(Problems.malformedJson());
        return;
      }
      if (!jsonShapeIsSafe(parsed, options)) {
        next(Problems.jsonTooComplex());
        return;
      }
      req.body = parsed;
      next();
    },
  ];
}
