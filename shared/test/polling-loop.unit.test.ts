import { afterEach, describe, expect, it } from '@jest/globals';

import { PollingLoop } from '../src/lifecycle/polling-loop.js';
import { eventually } from '../src/testing/eventually.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const LONG_MS = 60_000;

/** A cycle that stays running until the test lets it finish. */
function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe('PollingLoop', () => {
  const loops: PollingLoop[] = [];

  function loop(
    cycle: () => Promise<{ more: boolean }>,
    pollIntervalMs = LONG_MS,
    onError: (error: unknown) => void = () => undefined,
  ): PollingLoop {
    const created = new PollingLoop(cycle, { pollIntervalMs, onError });
    loops.push(created);
    return created;
  }

  afterEach(async () => {
    await Promise.all(loops.splice(0).map((l) => l.stop()));
  });

  it('runs again at once while a cycle says more is waiting, then waits for the poll', async () => {
    let calls = 0;
    const polling = loop(() => {
      calls += 1;
      return Promise.resolve({ more: calls < 4 });
    });

    polling.start();

    expect(await eventually(() => Promise.resolve(calls === 4), 2000)).toBe(true);
    await sleep(300);
    expect(calls).toBe(4);
  });

  it('waits the poll interval between cycles that found nothing more', async () => {
    const starts: number[] = [];
    const polling = loop(() => {
      starts.push(Date.now());
      return Promise.resolve({ more: false });
    }, 300);

    polling.start();

    expect(await eventually(() => Promise.resolve(starts.length >= 3), 5000)).toBe(true);
    const gaps = starts.slice(1).map((at, i) => at - (starts.at(i) ?? 0));
    // Timers never fire early (a millisecond of rounding aside); a busy machine may fire them late.
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(295);
  });

  it('a nudge while idle runs a cycle at once instead of at the next poll', async () => {
    let calls = 0;
    const polling = loop(() => {
      calls += 1;
      return Promise.resolve({ more: false });
    });
    polling.start();
    expect(await eventually(() => Promise.resolve(calls === 1), 2000)).toBe(true);

    polling.nudge();

    expect(await eventually(() => Promise.resolve(calls === 2), 2000)).toBe(true);
  });

  it('nudges during a cycle cause exactly one more cycle after it', async () => {
    const first = gate();
    let calls = 0;
    const polling = loop(async () => {
      calls += 1;
      if (calls === 1) await first.opened;
      return { more: false };
    });
    polling.start();
    expect(await eventually(() => Promise.resolve(calls === 1), 2000)).toBe(true);

    polling.nudge();
    polling.nudge();
    first.open();

    expect(await eventually(() => Promise.resolve(calls === 2), 2000)).toBe(true);
    await sleep(300);
    expect(calls).toBe(2);
  });

  it('stop waits for the running cycle, and nothing runs after it', async () => {
    const running = gate();
    let calls = 0;
    const polling = loop(async () => {
      calls += 1;
      await running.opened;
      return { more: true };
    });
    polling.start();
    expect(await eventually(() => Promise.resolve(calls === 1), 2000)).toBe(true);

    let stopped = false;
    const stopping = polling.stop().then(() => {
      stopped = true;
    });
    await sleep(100);
    expect(stopped).toBe(false);
    running.open();
    await stopping;
    polling.nudge();
    await sleep(200);

    expect(stopped).toBe(true);
    expect(calls).toBe(1);
  });

  it('reports a failed cycle and goes on polling', async () => {
    const errors: unknown[] = [];
    const failure = new Error('relay down');
    let calls = 0;
    const polling = loop(
      () => {
        calls += 1;
        return calls === 1 ? Promise.reject(failure) : Promise.resolve({ more: false });
      },
      50,
      (error) => errors.push(error),
    );

    polling.start();

    expect(await eventually(() => Promise.resolve(calls >= 3), 2000)).toBe(true);
    expect(errors).toEqual([failure]);
  });
});
