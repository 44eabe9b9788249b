import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';

import { EVENT_CATALOG, eventEnvelopeSchema } from '../src/events/index.js';
import { SECRET_FIELDS } from '../src/logging/logger.js';

/** Every property name anywhere in a JSON Schema (nested objects, arrays, unions). */
function propertyNames(schema: unknown, names = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) {
    for (const item of schema) propertyNames(item, names);
  } else if (schema !== null && typeof schema === 'object') {
    for (const [key, value] of Object.entries(schema) as [string, unknown][]) {
      if (key === 'properties' && value !== null && typeof value === 'object') {
        for (const name of Object.keys(value)) names.add(name);
      }
      propertyNames(value, names);
    }
  }
  return names;
}

const namesOf = (schema: z.ZodType) =>
  propertyNames(z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }));

// audit-service writes each stored event to its SIEM line without the log redactor, and the access
// line skips it too: that is safe only while no field those lines carry is named like a secret.
describe('field names of security events', () => {
  it.each(Object.entries(EVENT_CATALOG))('%s names no field the redactor censors', (_, event) => {
    const names = namesOf(event.data as z.ZodType);

    expect([...names].filter((name) => SECRET_FIELDS.includes(name))).toEqual([]);
  });

  it('the envelope and the SIEM line around it name none either', () => {
    const names = new Set([...namesOf(eventEnvelopeSchema), 'event', 'seq', 'hash']);

    expect(names).toContain('actor');
    expect([...names].filter((name) => SECRET_FIELDS.includes(name))).toEqual([]);
  });

  it('would notice one: a data field named `token` is found', () => {
    const names = namesOf(z.strictObject({ nested: z.strictObject({ token: z.string() }) }));

    expect([...names].filter((name) => SECRET_FIELDS.includes(name))).toEqual(['token']);
  });
});
