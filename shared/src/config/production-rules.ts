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

/**
 * Production refuses development conveniences. Each refusal is one line naming
 * the variable. Checked against the raw environment so "explicitly configured" means exactly that.
 */
export function productionRefusals(
  env: Env,
  keys: readonly string[],
): { path: string; message: string }[] {
  if (env.NODE_ENV !== 'production') return [];
  const refusals: { path: string; message: string }[] = [];
  const has = (key: string) => keys.includes(key);
  const vars = new Map(Object.entries(env));
  // Flags parse case-insensitively (zod stringbool), so the refusals must compare the same way.
  const value = (key: string) => vars.get(key)?.trim().toLowerCase();

  for (const secret of ['JWT_PRIVATE_KEYS', 'TOTP_ENCRYPTION_KEY']) {
    if (has(secret) && !value(secret)) {
      refusals.push({ path: secret, message: 'must be set explicitly when NODE_ENV=production' });
    }
  }
  if (has('COOKIE_SECURE') && ['false', '0', 'no'].includes(value('COOKIE_SECURE') ?? '')) {
    refusals.push({ path: 'COOKIE_SECURE', message: 'must not be false when NODE_ENV=production' });
  }
  if (
    has('CORS_ORIGINS') &&
    (value('CORS_ORIGINS') ?? '').split(',').some((o) => o.trim() === '*')
  ) {
    refusals.push({ path: 'CORS_ORIGINS', message: 'must not contain * when NODE_ENV=production' });
  }
  if (has('DOCS_ENABLED') && ['true', '1', 'yes'].includes(value('DOCS_ENABLED') ?? '')) {
    refusals.push({ path: 'DOCS_ENABLED', message: 'must not be true when NODE_ENV=production' });
  }
  if (has('AMQP_URL')) {
    const amqp = value('AMQP_URL');
    if (!amqp || hasDefaultAmqpCredentials(amqp)) {
      refusals.push({
        path: 'AMQP_URL',
        message: 'must be set with non-default credentials when NODE_ENV=production',
      });
    }
  }
  if (has('EVENT_PRODUCERS')) {
    const producers = value('EVENT_PRODUCERS');
    // guest is every development service at once, and `*` proves nothing about the source.
    const unproven = (producers ?? '')
      .split(',')
      .some((entry) => entry.trim().startsWith('guest:') || entry.trim().endsWith(':*'));
    if (!producers) {
      refusals.push({
        path: 'EVENT_PRODUCERS',
        message: 'must be set explicitly when NODE_ENV=production',
      });
    } else if (unproven) {
      refusals.push({
        path: 'EVENT_PRODUCERS',
        message:
          'must name each producer’s own broker user, not guest or *, when NODE_ENV=production',
      });
    }
  }
  if (has('DATABASE_URL') && !value('DATABASE_URL')) {
    refusals.push({
      path: 'DATABASE_URL',
      message: 'must be set explicitly when NODE_ENV=production',
    });
  }
  return refusals;
}
