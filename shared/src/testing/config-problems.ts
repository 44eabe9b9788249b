import { ConfigError } from '../config/load-config.js';

type Env = Record<string, string | undefined>;

/** The lines `readConfig(env)` refuses to start with; none when it accepts the environment. */
export function configProblems(readConfig: (env: Env) => unknown, env: Env): string[] {
  try {
    readConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}
