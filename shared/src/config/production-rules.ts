type Env = Record<string, string | undefined>;

// amqplib logs in as guest:guest when the URL names no user, and percent-decodes what it does name.
function hasDefaultAmqpCredentials(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false; // not a URL at all: the schema reports it
  }
  const decode = (part: string) => {
    try {
      return decodeURIComponent(part).toLowerCase();
    } catch {
      return part.toLowerCase();
    }
  };
  if (parsed.username === '' && parsed.password === '') return true;
  return decode(parsed.username) === 'guest' && decode(parsed.password) === 'guest';
}

export interface ProductionRule {
  variable: string;
  /** What production requires; the refusal line adds "when NODE_ENV=production". */
  rule: string;
  /** Whether a value breaks the rule: trimmed and lower-cased, undefined when unset. */
  breaks: (value: string | undefined) => boolean;
}

const unset = (value: string | undefined) => !value;
const entries = (value: string | undefined) => (value ?? '').split(',').map((e) => e.trim());

/**
 * Production refuses development conveniences. Checked against the raw environment so "explicitly
 * configured" means exactly that. The configuration docs print each rule beside its variable.
 */
export const PRODUCTION_RULES: readonly ProductionRule[] = [
  { variable: 'JWT_PRIVATE_KEYS', rule: 'must be set explicitly', breaks: unset },
  { variable: 'TOTP_ENCRYPTION_KEY', rule: 'must be set explicitly', breaks: unset },
  // The development key is derived from a seed in the source: anyone could sign with it.
  { variable: 'AUDIT_SIGNING_KEYS', rule: 'must be set explicitly', breaks: unset },
  // Flags parse case-insensitively (zod stringbool), so the rules compare lower-cased values.
  {
    variable: 'COOKIE_SECURE',
    rule: 'must not be false',
    breaks: (value) => ['false', '0', 'no'].includes(value ?? ''),
  },
  {
    variable: 'CORS_ORIGINS',
    rule: 'must not contain *',
    breaks: (value) => entries(value).includes('*'),
  },
  {
    variable: 'DOCS_ENABLED',
    rule: 'must not be true',
    breaks: (value) => ['true', '1', 'yes'].includes(value ?? ''),
  },
  {
    variable: 'AMQP_URL',
    rule: 'must be set with non-default credentials',
    breaks: (value) => !value || hasDefaultAmqpCredentials(value),
  },
  { variable: 'EVENT_PRODUCERS', rule: 'must be set explicitly', breaks: unset },
  {
    variable: 'EVENT_PRODUCERS',
    // guest is every development service at once, and `*` proves nothing about the source.
    rule: 'must name each producer’s own broker user, not guest or *',
    breaks: (value) =>
      entries(value).some((entry) => entry.startsWith('guest:') || entry.endsWith(':*')),
  },
  { variable: 'DATABASE_URL', rule: 'must be set explicitly', breaks: unset },
  { variable: 'SMTP_URL', rule: 'must be set explicitly', breaks: unset },
  {
    variable: 'SMTP_URL',
    // The development sink keeps every message on the machine: recovery mail would never arrive.
    rule: 'must not be the development mail sink',
    breaks: (value) => value !== undefined && isDevelopmentMailSink(value),
  },
];

/** The local sink `npm start` runs: any loopback address on port 1025. */
export function isDevelopmentMailSink(url: string): boolean {
  try {
    const { hostname, port } = new URL(url);
    return ['localhost', '127.0.0.1', '[::1]'].includes(hostname) && port === '1025';
  } catch {
    return false;
  }
}

/** One refusal per broken rule of the variables in `keys`, when NODE_ENV=production. */
export function productionRefusals(
  env: Env,
  keys: readonly string[],
): { path: string; message: string }[] {
  if (env.NODE_ENV !== 'production') return [];
  const vars = new Map(Object.entries(env));
  return PRODUCTION_RULES.filter(
    ({ variable, breaks }) =>
      keys.includes(variable) && breaks(vars.get(variable)?.trim().toLowerCase()),
  ).map(({ variable, rule }) => ({
    path: variable,
    // A rule with a comma of its own reads better closed by one.
    message: `${rule}${rule.includes(',') ? ',' : ''} when NODE_ENV=production`,
  }));
}
