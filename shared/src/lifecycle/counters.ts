import client from 'prom-client';

import type { Metrics } from './metrics.js';

export type Counter<L extends string = string> = client.Counter<L>;

export interface CounterOptions<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
}

/** A counter on the service's own registry (served by its /metrics), for events ops alert on. */
export function createCounter<L extends string = string>(
  metrics: Metrics,
  options: CounterOptions<L>,
): Counter<L> {
  return new client.Counter<L>({ ...options, registers: [metrics.registry] });
}
