import {
  createCounter,
  createGauge,
  createHistogram,
  type Metrics,
} from '@secure-api/shared/lifecycle';

import type {
  HashQueueObserver,
  LoginResult,
  SecurityCounters,
} from '../domain/security-counters.js';

/** auth_logins_total{outcome} and auth_refresh_reuse_detected_total. */
export function createSecurityCounters(metrics: Metrics): SecurityCounters {
  const logins = createCounter(metrics, {
    name: 'auth_logins_total',
    help: 'Login attempts by outcome; success means tokens were issued (by password, or by the 2FA step)',
    labelNames: ['outcome'] as const,
  });
  const reuse = createCounter(metrics, {
    name: 'auth_refresh_reuse_detected_total',
    help: 'Refresh tokens presented again after rotation (a stolen copy): the session was revoked',
  });
  return {
    login: (result: LoginResult) => {
      logins.inc({ outcome: result });
    },
    refreshReuse: () => {
      reuse.inc();
    },
  };
}

/**
 * The Argon2 queue: depth (waiting + running, read at scrape), the wait for a slot, and refusals
 * (full: no room to wait; wait: waited, or would by the recent pace, past HASH_QUEUE_MAX_WAIT_MS).
 */
export function createHashQueueMetrics(metrics: Metrics, depth: () => number): HashQueueObserver {
  createGauge(metrics, {
    name: 'auth_hash_queue_depth',
    help: 'Password hashes waiting for a slot or running',
    collect() {
      this.set(depth());
    },
  });
  const wait = createHistogram(metrics, {
    name: 'auth_hash_queue_wait_seconds',
    help: 'Time a password hash waited for a free slot (0 when one was free)',
    buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8],
  });
  const rejections = createCounter(metrics, {
    name: 'auth_hash_queue_rejections_total',
    help: 'Password hashes refused with 503: full (queue at its bound) or wait (too long a wait)',
    labelNames: ['reason'] as const,
  });
  return {
    waited: (seconds) => {
      wait.observe(seconds);
    },
    rejected: (reason) => {
      rejections.inc({ reason });
    },
  };
}
