// The verifier's own clock tolerance: a token within it has not expired yet.
const CLOCK_TOLERANCE_SECONDS = 5;

/**
 * Why a bearer that did not verify was refused — for the security event only; the client gets the
 * same 401 either way. `expired` when the token's own `exp` has passed, read without trusting it
 * (its signature may be what failed too): a triage hint for whoever reads the audit log, not a
 * verdict. Anything unreadable is `invalid`.
 */
export function expiredOrInvalid(
  token: string,
  nowSeconds = Date.now() / 1000,
): 'expired' | 'invalid' {
  const [, payload = ''] = token.split('.');
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return 'invalid';
  }
  const exp: unknown =
    typeof claims === 'object' && claims !== null ? Reflect.get(claims, 'exp') : undefined;
  return typeof exp === 'number' && exp < nowSeconds - CLOCK_TOLERANCE_SECONDS
    ? 'expired'
    : 'invalid';
}
