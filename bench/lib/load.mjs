// Bounded autocannon runs on loopback, reduced to the numbers the table needs.
import autocannon from 'autocannon';

/**
 * One run. `duration` in seconds always bounds it; `overallRate` (requests/s) makes it open-loop
 * for latency measurements, otherwise it is closed-loop (as fast as the connections allow).
 */
export async function load({
  url,
  path = '/',
  method = 'GET',
  headers = {},
  body,
  connections = 10,
  duration = 10,
  overallRate,
  requests,
}) {
  const result = await autocannon({
    url: new URL(path, url).toString(),
    method,
    headers,
    body,
    connections,
    duration,
    ...(overallRate ? { overallRate } : {}),
    ...(requests ? { requests } : {}),
    timeout: 30,
    // Every server here closes a keep-alive connection after 1,000 requests (maxRequestsPerSocket)
    // and answers 503 to anything sent on it after that; autocannon ignores `Connection: close`,
    // so it reconnects on its own, like a client that honours the header would.
    reconnectRate: 500,
  });
  const statuses = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count]),
  );
  return {
    rps: result.requests.average,
    total: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    statuses,
    durationSeconds: result.duration,
  };
}

/** Fails loudly when a run answered anything but 2xx: a ratio of errors is not a benchmark. */
export function expectAllOk(label, run) {
  if (run.non2xx > 0 || run.errors > 0) {
    throw new Error(
      `${label}: ${run.non2xx} non-2xx and ${run.errors} errors (${JSON.stringify(run.statuses)})`,
    );
  }
  return run;
}
