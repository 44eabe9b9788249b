import type { z } from 'zod';

import { envVariables } from './define-config.js';
import { productionRefusals } from './production-rules.js';

// The package index exports this file; the rest of the config kit comes with it.
export * from './common-variables.js';
export * from './define-config.js';
export * from './env-values.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment once. Every bad variable, and every production refusal for the variables
 * this schema reads, becomes one readable line; any line means the service must not start.
 */
export function loadConfig<T extends z.ZodType>(
  schema: T,
  env: Record<string, string | undefined> = process.env,
): z.output<T> {
  const result = schema.safeParse(env);
  const lines = result.success
    ? []
    : result.error.issues.map((issue) => {
        const name = issue.path.length > 0 ? issue.path.join('.') : 'environment';
        return `${name}: ${issue.message}`;
      });
  for (const refusal of productionRefusals(env, Object.keys(envVariables(schema)))) {
    lines.push(`${refusal.path}: ${refusal.message}`);
  }
  if (result.success && lines.length === 0) return result.data;
  throw new ConfigError([...new Set(lines)]);
}
