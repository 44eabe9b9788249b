import type { Request } from 'express';

import { bearerToken, RevocationStore, type RevocationClaims } from '@secure-api/shared/auth';

import type { RouteMatch } from '../domain/route-table.js';

type Identifiers = Pick<RevocationClaims, 'sub' | 'jti' | 'sid'>;

interface Lookup {
  identifiers: Identifiers;
  keys: string[];
  values?: (string | null)[];
}

const lookups = new WeakMap<Request, Lookup>();

// Ids are UUIDs; anything far longer is no token of ours and not worth a read.
const MAX_ID_LENGTH = 128;
const isId = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH;

/** sub, jti and sid from a bearer's payload, read WITHOUT trusting it: they only name keys. */
function identifiersOf(token: string): Identifiers | undefined {
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof payload !== 'object' || payload === null) return undefined;
  const { sub, jti, sid } = payload as Record<string, unknown>;
  if (!isId(sub) || !isId(jti) || (sid !== undefined && !isId(sid))) return undefined;
  return { sub, jti, sid };
}

/**
 * The revocation keys of the bearer a protected route will verify, so the rate limit's round
 * trip to Redis reads them too. Undefined when there is nothing worth reading ahead: a public
 * route, no bearer, or a payload without our ids (it will not verify, or is checked on its own).
 */
export function revocationKeysAhead(req: Request, match: RouteMatch): string[] | undefined {
  if (match.kind !== 'route' || match.rule.access === 'public') return undefined;
  const token = bearerToken(req);
  const identifiers = token === undefined ? undefined : identifiersOf(token);
  if (!identifiers) return undefined;
  const keys = RevocationStore.keysOf(identifiers);
  lookups.set(req, { identifiers, keys });
  return keys;
}

/** What Redis answered for `revocationKeysAhead`'s keys, in the same round trip as the limits. */
export function keepRevocationValues(req: Request, values: (string | null)[]): void {
  const lookup = lookups.get(req);
  if (lookup) lookup.values = values;
}

/**
 * Whether the VERIFIED claims are revoked, from the values read ahead, or undefined when none were
 * read for exactly these ids (Redis answered the limits from memory, or another token): then the
 * caller asks the revocation store itself.
 */
export function revokedFromLookup(
  req: Request,
  claims: RevocationClaims,
  store: Pick<RevocationStore, 'judge'>,
): boolean | undefined {
  const lookup = lookups.get(req);
  if (!lookup?.values) return undefined;
  const { identifiers } = lookup;
  const same =
    identifiers.sub === claims.sub &&
    identifiers.jti === claims.jti &&
    (identifiers.sid ?? '-') === (claims.sid ?? '-');
  return same ? store.judge(claims, lookup.values) : undefined;
}
