import { z } from 'zod';

import {
  PUBLIC_ROUTES,
  type Access,
  type RouteRule,
} from '../../gateway/src/domain/route-table.js';
import { OPERATIONS, type Operation } from './operations.js';

const SERVICES = { auth: 'auth-service', users: 'user-service', audit: 'audit-service' } as const;

/** One operation of the document, with what the gateway's route table says about it. */
export interface DocumentedRoute {
  /** Lower case, as OpenAPI writes it. */
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI path template; parameter names are those of the owning service's params schema. */
  path: string;
  op: Operation;
  /** Undefined where the gateway answers itself: not proxied, not rate limited, no credentials. */
  access?: Access;
  /** The service that answers, or `gateway`. */
  owner: string;
}

const RULES = new Map<string, RouteRule>(PUBLIC_ROUTES.map(({ key, rule }) => [key, rule]));

/** The table's template with each placeholder named as the owner's params schema names it. */
function openApiPath(template: string, params: z.ZodType | undefined): string {
  const schema = params ? (z.toJSONSchema(params, { io: 'input' }) as { properties?: object }) : {};
  const names = Object.keys(schema.properties ?? {});
  const placeholders = template.match(/\{[^}]+\}/g) ?? [];
  if (placeholders.length !== names.length) {
    throw new Error(`${template}: the owner's params schema must name each path parameter`);
  }
  return template.replace(/\{[^}]+\}/g, () => `{${names.shift()}}`);
}

/** Every operation, in the order the document lists them. */
export function documentedRoutes(): DocumentedRoute[] {
  return Object.entries(OPERATIONS).map(([key, op]) => {
    const [method = '', template = ''] = key.split(' ');
    const rule = RULES.get(key);
    return {
      method: method.toLowerCase() as DocumentedRoute['method'],
      path: openApiPath(template, op.request?.params),
      op,
      ...(rule ? { access: rule.access } : {}),
      owner: rule ? SERVICES[rule.upstream] : 'gateway',
    };
  });
}
