import { createCounter, createGauge, type Gauge, type Metrics } from '@secure-api/shared/lifecycle';

import type { VerificationObserver } from '../domain/chain-verification.js';

/**
 * audit_chain_verifications_total{result} and audit_chain_valid (1 after a good verification, 0
 * after a failed one; absent until this replica has verified once).
 */
export function createChainMetrics(metrics: Metrics): VerificationObserver {
  const verifications = createCounter(metrics, {
    name: 'audit_chain_verifications_total',
    help: 'Audit chain verifications (on demand, periodic, full walks) by result: ok or broken',
    labelNames: ['result'] as const,
  });
  // Registered at the first verdict: an unlabelled gauge reads 0 from birth, which would say
  // "broken" for every replica that has not verified yet.
  let valid: Gauge | undefined;
  return {
    verified: (ok) => {
      verifications.inc({ result: ok ? 'ok' : 'broken' });
      valid ??= createGauge(metrics, {
        name: 'audit_chain_valid',
        help: 'Whether the last audit chain verification this replica ran found the chain intact (1) or not (0); absent until it has verified once',
      });
      valid.set(ok ? 1 : 0);
    },
  };
}
