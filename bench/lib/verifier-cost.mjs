// CPU per access-token verification in this process: jose's full EdDSA check vs a cache hit.
import { accessTokenVerifier, remoteKeySet } from '@secure-api/shared/auth';

async function measure(verifier, token, n) {
  await verifier.verify(token); // key set fetched, JIT warm, cache filled
  for (let i = 0; i < 200; i += 1) await verifier.verify(token);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i += 1) await verifier.verify(token);
  const wallNs = Number(process.hrtime.bigint() - started);
  const used = process.cpuUsage(cpu);
  return { cpuUs: (used.user + used.system) / n, wallUs: wallNs / 1000 / n };
}

export async function verifierCost(jwksUrl, token, { quick }) {
  const keys = remoteKeySet(jwksUrl);
  const n = quick ? 500 : 3000;
  return {
    verifications: n,
    uncached: await measure(accessTokenVerifier(keys, { cache: false }), token, n),
    cached: await measure(accessTokenVerifier(keys), token, n),
  };
}
