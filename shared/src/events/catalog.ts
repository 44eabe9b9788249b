import type { z } from 'zod';

import { authEvents } from './auth-events.js';
import { gatewayEvents } from './gateway-events.js';
import { userEvents } from './user-events.js';

/** Every security event type, with its current version and the schema of its `data`. */
export const EVENT_CATALOG = { ...authEvents, ...userEvents, ...gatewayEvents } as const;

type Catalog = typeof EVENT_CATALOG;
export type EventType = keyof Catalog;
export type EventData<T extends EventType> = z.output<Catalog[T]['data']>;
export type EventDataInput<T extends EventType> = z.input<Catalog[T]['data']>;

export const EVENT_TYPES = Object.keys(EVENT_CATALOG) as [EventType, ...EventType[]];

interface Definition {
  version: number;
  data: z.ZodType;
}

/**
 * Versions no producer emits any more but an audit store may still meet (events in a queue or an
 * outbox across a deploy). When a type moves to v2, its v1 schema moves here, it is not deleted.
 */
const RETIRED: readonly { type: EventType; version: number; data: z.ZodType }[] = [];

const CURRENT = new Map<string, Definition>(Object.entries(EVENT_CATALOG));
const ALL_VERSIONS = new Map<string, z.ZodType>([
  ...Object.entries(EVENT_CATALOG).map(([type, d]) => [`${type}@${d.version}`, d.data] as const),
  ...RETIRED.map((d) => [`${d.type}@${d.version}`, d.data] as const),
]);

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && CURRENT.has(value);
}

/** The version producers emit now. */
export function currentVersion(type: EventType): number {
  const definition = CURRENT.get(type);
  if (!definition) throw new TypeError('unknown event type');
  return definition.version;
}

/** The `data` schema of one (type, version), current or retired; undefined when unknown. */
export function dataSchemaFor(type: string, version: number): z.ZodType | undefined {
  return ALL_VERSIONS.get(`${type}@${version}`);
}
