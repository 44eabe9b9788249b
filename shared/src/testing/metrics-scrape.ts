import { eventually } from './eventually.js';

interface Sample {
  name: string;
  labels: Map<string, string>;
  value: number;
}

const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const brace = line.indexOf('{');
    const space = line.lastIndexOf(' ');
    const name = brace >= 0 && brace < space ? line.slice(0, brace) : line.slice(0, space);
    const labels = new Map<string, string>();
    if (brace >= 0 && brace < space) {
      for (const [, key = '', value = ''] of line.slice(brace, space).matchAll(LABEL)) {
        labels.set(key, value);
      }
    }
    samples.push({ name, labels, value: Number(line.slice(space + 1)) });
  }
  return samples;
}

/** One read of a service's /metrics, in the Prometheus text format. */
export class MetricsScrape {
  private constructor(
    readonly text: string,
    private readonly samples: Sample[],
  ) {}

  /** GET `url` (a service's /metrics, the gateway's on its admin listener). */
  static async of(url: string): Promise<MetricsScrape> {
    const res = await fetch(url);
    if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
    const text = await res.text();
    return new MetricsScrape(text, parse(text));
  }

  /**
   * The sum of the series of `name` whose labels include `labels` (the `service` label and any
   * other not named are free); undefined when there is no such series at all.
   */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    const matching = this.samples.filter(
      (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels.get(k) === v),
    );
    if (matching.length === 0) return undefined;
    return matching.reduce((sum, s) => sum + s.value, 0);
  }

  /** As `value`, with an absent series read as 0 (a counter not yet incremented). */
  count(name: string, labels: Record<string, string> = {}): number {
    return this.value(name, labels) ?? 0;
  }

  /** Every label set of `name`'s series, for asserting which values a label takes. */
  labelsOf(name: string): Record<string, string>[] {
    return this.samples.filter((s) => s.name === name).map((s) => Object.fromEntries(s.labels));
  }
}

/**
 * One request made while Redis is cut off (through the TcpProxy the service was given), and what
 * the service's /metrics said about it: `redis_up` before the cut, whether it went to 0 before the
 * request and back to 1 once the connection was restored, and how many revocation checks the
 * request counted as `error`.
 */
export async function requestDuringRedisCut<T>(
  redis: { cut(): void; restore(): void },
  scrape: () => Promise<MetricsScrape>,
  request: () => Promise<T>,
): Promise<{
  response: T;
  seen: {
    redisUpBefore: number | undefined;
    wentDown: boolean;
    errorChecks: number;
    cameBack: boolean;
  };
}> {
  const errors = (metrics: MetricsScrape) =>
    metrics.count('revocation_checks_total', { result: 'error' });
  const before = await scrape();
  redis.cut();
  const wentDown = await eventually(async () => (await scrape()).value('redis_up') === 0);
  const response = await request();
  const during = await scrape();
  redis.restore();
  const cameBack = await eventually(async () => (await scrape()).value('redis_up') === 1, 15_000);
  return {
    response,
    seen: {
      redisUpBefore: before.value('redis_up'),
      wentDown,
      errorChecks: errors(during) - errors(before),
      cameBack,
    },
  };
}
