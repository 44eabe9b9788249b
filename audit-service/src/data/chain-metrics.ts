import { createCounter, createGauge, type Metrics } from '@secure-api/shared/lifecycle';

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
  const valid = createGauge(metrics, {
    name: 'audit_chain_valid',
    help: 'Whether the last audit chain verification this replica ran found the chain intact (1) or not (0)',
  });
  return {
    verified: (ok) => {
      verifications.inc({ result: ok ? 'ok' : 'broken' });
      valid.set(ok ? 1 : 0);
    },
  };
}
