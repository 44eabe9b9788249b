import client from 'prom-client';

import type { Metrics } from './metrics.js';

export type Counter<L extends string = string> = client.Counter<L>;
export type Gauge<L extends string = string> = client.Gauge<L>;
export type Histogram<L extends string = string> = client.Histogram<L>;

export interface CounterOptions<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
}

export interface GaugeOptions<L extends string> extends CounterOptions<L> {
  /** Runs at each scrape: a gauge read from its source then, never kept up to date per event. */
  collect?: (this: Gauge<L>) => void | Promise<void>;
}

export interface HistogramOptions<L extends string> extends CounterOptions<L> {
  buckets: number[];
}

/** A counter on the service's own registry (served by its /metrics), for events ops alert on. */
export function createCounter<L extends string = string>(
  metrics: Metrics,
  options: CounterOptions<L>,
): Counter<L> {
  return new client.Counter<L>({ ...options, registers: [metrics.registry] });
}

export function createGauge<L extends string = string>(
  metrics: Metrics,
  options: GaugeOptions<L>,
): Gauge<L> {
  return new client.Gauge<L>({ ...options, registers: [metrics.registry] });
}

export function createHistogram<L extends string = string>(
  metrics: Metrics,
  options: HistogramOptions<L>,
): Histogram<L> {
  return new client.Histogram<L>({ ...options, registers: [metrics.registry] });
}
