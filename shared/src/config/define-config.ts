import { z } from 'zod';

/**
 * One environment variable, declared once: its name, the zod schema that parses and defaults it,
 * and (through `.describe()`) what it is for. The README table and `.env.example` are generated
 * from these (`npm run config-docs`).
 */
export class EnvVariable<S extends z.ZodType = z.ZodType> {
  constructor(
    readonly name: string,
    readonly schema: S,
  ) {}
}

/**
 * `description`: what the variable does, its unit, anything production needs beyond the refusals.
 * `whenUnset`: what an unset variable means, for a default that depends on something else.
 */
export function variable<S extends z.ZodType>(
  name: string,
  schema: S,
  description: string,
  whenUnset?: string,
): EnvVariable<S> {
  const described =
    whenUnset === undefined
      ? schema.describe(description)
      : schema.meta({ description, whenUnset });
  return new EnvVariable(name, described);
}

/** A service's configuration as it reads in code: camelCase keys, groups, a variable at each leaf. */
export interface ConfigShape {
  readonly [key: string]: EnvVariable | ConfigShape;
}

export type ConfigOf<T extends ConfigShape> = {
  -readonly [K in keyof T]: T[K] extends EnvVariable<infer S>
    ? z.output<S>
    : T[K] extends ConfigShape
      ? ConfigOf<T[K]>
      : never;
};

function* variablesOf(shape: ConfigShape): Generator<EnvVariable> {
  for (const entry of Object.values(shape)) {
    if (entry instanceof EnvVariable) yield entry;
    else yield* variablesOf(entry);
  }
}

function build(shape: ConfigShape, values: ReadonlyMap<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(shape).map(([key, entry]) => [
      key,
      entry instanceof EnvVariable ? values.get(entry.name) : build(entry, values),
    ]),
  );
}

/**
 * The zod schema over the environment for `shape`: an object keyed by variable name (so every error
 * line names its variable) that turns into the typed, camelCase config. `check` relates variables
 * to each other; its issues name their variable through `path`.
 */
export function defineConfig<T extends ConfigShape>(
  shape: T,
  check?: (config: ConfigOf<T>, ctx: z.RefinementCtx) => void,
) {
  const variables = [...variablesOf(shape)];
  const names = variables.map((v) => v.name);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined) throw new Error(`${twice} is declared twice`);

  const toConfig = (values: Record<string, unknown>) =>
    build(shape, new Map(Object.entries(values))) as ConfigOf<T>;
  const object = z.object(Object.fromEntries(variables.map((v) => [v.name, v.schema])));
  const checked = check
    ? object.superRefine((values, ctx) => {
        check(toConfig(values), ctx);
      })
    : object;
  return checked.transform(toConfig);
}

/** The variables a config schema reads, by name, under any `.transform()` applied after it. */
export function envVariables(schema: z.ZodType): Readonly<Record<string, z.ZodType>> {
  let inner: unknown = schema;
  while (inner instanceof z.ZodPipe) inner = inner.in;
  if (!(inner instanceof z.ZodObject)) {
    throw new TypeError('a config schema is an object of variables, perhaps piped into transforms');
  }
  return inner.shape;
}
