import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';

import { Problems, type FieldError } from './app-error.js';

export interface RequestSchemas {
  body?: z.ZodType;
  params?: z.ZodType;
  query?: z.ZodType;
}

const LOCATIONS = ['params', 'query', 'body'] as const;

function fieldName(location: (typeof LOCATIONS)[number], path: PropertyKey[]): string {
  const inner = path.map(String).join('.');
  if (location === 'body') return inner || 'body';
  return inner ? `${location}.${inner}` : location;
}

/** Parses each location that has a schema and writes the parsed value back; the failures. */
function parseInto(req: Request, schemas: RequestSchemas): FieldError[] {
  const errors: FieldError[] = [];
  for (const location of LOCATIONS) {
    const schema =
      location === 'body' ? schemas.body : location === 'query' ? schemas.query : schemas.params;
    if (!schema) continue;
    const input: unknown =
      location === 'body' ? (req.body ?? {}) : location === 'query' ? req.query : req.params;
    const result = schema.safeParse(input);
    if (!result.success) {
      for (const issue of result.error.issues) {
        const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
        for (const key of keys) {
          const path = key === undefined ? issue.path : [...issue.path, key];
          errors.push({
            field: fieldName(location, path),
            message: issue.code === 'unrecognized_keys' ? 'Unknown field' : issue.message,
          });
        }
      }
      continue;
    }
    // Express 5 exposes req.query through a getter; define the parsed value over it.
    Object.defineProperty(req, location, {
      value: result.data,
      writable: true,
      configurable: true,
      enumerable: true,
    });
  }
  return errors;
}

/**
 * Validates params, query and body against strict zod schemas and writes the parsed values back,
 * so handlers only ever see what the schema produced. Messages name the rule, never the value.
 */
export function validate(schemas: RequestSchemas): RequestHandler {
  return (req, _res, next) => {
    const errors = parseInto(req, schemas);
    if (errors.length > 0) {
      next(Problems.validation(errors));
      return;
    }
    next();
  };
}

type Parsed<S, K extends keyof RequestSchemas, Otherwise> = S extends {
  [P in K]: infer T extends z.ZodType;
}
  ? z.output<T>
  : Otherwise;

/** A request whose body, params and query are what the schemas produced, typed as such. */
export type ValidatedRequest<S extends RequestSchemas> = Request<
  Parsed<S, 'params', Request['params']>,
  unknown,
  Parsed<S, 'body', unknown>,
  Parsed<S, 'query', Request['query']>
>;

/**
 * `validate(schemas)` and the handler in one: the handler's `req.body`, `req.params` and
 * `req.query` are typed from the schemas, so no route casts what it was given.
 */
export function validated<S extends RequestSchemas>(
  schemas: S,
  handler: (req: ValidatedRequest<S>, res: Response, next: NextFunction) => unknown,
): RequestHandler {
  return (req, res, next) => {
    const errors = parseInto(req, schemas);
    if (errors.length > 0) {
      next(Problems.validation(errors));
      return;
    }
    return handler(req as ValidatedRequest<S>, res, next);
  };
}
