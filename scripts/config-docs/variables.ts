import { z } from 'zod';

import { envVariables, PRODUCTION_RULES } from '@secure-api/shared/config';

import { configSchema as audit } from '../../audit-service/src/config.js';
import { configSchema as auth } from '../../auth-service/src/config.js';
import { configSchema as gateway } from '../../gateway/src/config.js';
import { configSchema as users } from '../../user-service/src/config.js';

export const SERVICES = [
  { name: 'gateway', label: 'gateway', schema: gateway },
  { name: 'auth-service', label: 'auth', schema: auth },
  { name: 'user-service', label: 'users', schema: users },
  { name: 'audit-service', label: 'audit', schema: audit },
] as const;

export type ServiceName = (typeof SERVICES)[number]['name'];

/** One variable as the docs show it, merged over the services that read it. */
export interface DocumentedVariable {
  name: string;
  /** Short service labels, in service order. */
  usedBy: string[];
  /** Where `.env.example` lists it: `undefined` for every service, else the first that reads it. */
  section: ServiceName | undefined;
  /** Markdown: the value an unset variable takes, or what it means. */
  defaultText: string;
  /** What `.env.example` assigns: the fixed default when there is one, else nothing. */
  envValue: string;
  description: string;
  /** What production requires, from production-rules.ts. */
  production: string[];
}

interface Declaration {
  label: string;
  /** The default as the environment would spell it; undefined when the default is not fixed. */
  value: string | undefined;
  defaultText: string;
  description: string;
}

/** A schema's `.default()` as the environment spells it, found under any transforms after it. */
function defaultOf(schema: z.ZodType): string | undefined {
  let inner: unknown = schema;
  while (inner instanceof z.ZodPipe) inner = inner.in;
  const value: unknown = inner instanceof z.ZodDefault ? inner.def.defaultValue : undefined;
  if (value === undefined) return undefined;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  throw new Error('a variable defaults to what the environment could spell: text, number or flag');
}

function declare(service: string, label: string, name: string, schema: z.ZodType): Declaration {
  const meta = z.globalRegistry.get(schema);
  if (!meta?.description) {
    throw new Error(`${service}: ${name} has no description (declare it with variable())`);
  }
  const fallback = defaultOf(schema);
  const whenUnset = typeof meta.whenUnset === 'string' ? meta.whenUnset : undefined;
  const value = whenUnset === undefined ? fallback : undefined;
  return {
    label,
    value,
    defaultText: whenUnset ?? (value ? `\`${value}\`` : 'empty'),
    description: meta.description,
  };
}

/** One text when the services agree, else each one's own: `gateway: a; users, audit: b`. */
function merged(declarations: Declaration[], text: (d: Declaration) => string, separator: string) {
  const labels = new Map<string, string[]>();
  for (const d of declarations) labels.set(text(d), [...(labels.get(text(d)) ?? []), d.label]);
  const [only, ...others] = labels.keys();
  if (only !== undefined && others.length === 0) return only;
  return [...labels].map(([value, who]) => `${who.join(', ')}: ${value}`).join(separator);
}

/** Every variable a service reads: first those every service reads, then in service order. */
export function documentedVariables(): DocumentedVariable[] {
  const declarations = new Map<string, { section: ServiceName; all: Declaration[] }>();
  for (const { name: service, label, schema } of SERVICES) {
    for (const [name, variable] of Object.entries(envVariables(schema))) {
      const entry = declarations.get(name) ?? { section: service, all: [] };
      entry.all.push(declare(service, label, name, variable));
      declarations.set(name, entry);
    }
  }
  const variables = [...declarations].map(([name, { section, all }]): DocumentedVariable => {
    const values = new Set(all.map((d) => d.value));
    const [value] = values;
    return {
      name,
      usedBy: all.map((d) => d.label),
      section: all.length === SERVICES.length ? undefined : section,
      defaultText: merged(all, (d) => d.defaultText, '; '),
      envValue: values.size === 1 && value !== undefined ? value : '',
      description: merged(all, (d) => d.description, ' '),
      production: PRODUCTION_RULES.filter((r) => r.variable === name).map((r) => r.rule),
    };
  });
  return [
    ...variables.filter((v) => v.section === undefined),
    ...variables.filter((v) => v.section !== undefined),
  ];
}
