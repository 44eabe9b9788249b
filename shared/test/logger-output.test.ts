import { spawn } from 'node:child_process';
import path from 'node:path';

import { describe, expect, it } from '@jest/globals';

const ROOT = path.resolve(import.meta.dirname, '../..');

// A process of its own: the logger's standard output is what is tested. The event loop is
// blocked on purpose between the lines, so only a write already handed to the system can arrive
// meanwhile (the batch's timer cannot fire).
const PROBE = `
import { createLogger } from './shared/src/logging/index.ts';
const block = (ms) => { const until = Date.now() + ms; while (Date.now() < until); };
const logger = createLogger({ service: 'probe' });
logger.info('held');
block(300);
logger.error('failed');
block(1500);
logger.info('last');
process.exit(0);
`;

interface Arrival {
  at: number;
  text: string;
}

function runProbe(): Promise<Arrival[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', PROBE],
      { cwd: ROOT, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const arrivals: Arrival[] = [];
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => arrivals.push({ at: performance.now(), text }));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(arrivals);
      else reject(new Error(`probe exited with ${String(code)}`));
    });
  });
}

const arrivalOf = (arrivals: Arrival[], msg: string) =>
  arrivals.find(({ text }) => text.includes(`"msg":"${msg}"`))?.at;

describe('log lines on standard output', () => {
  it('sends an error at once with what waited before it, and writes what is left at exit', async () => {
    const arrivals = await runProbe();
    const held = arrivalOf(arrivals, 'held');
    const failed = arrivalOf(arrivals, 'failed');
    const last = arrivalOf(arrivals, 'last');

    // Every line arrived, the last one written only at exit.
    expect([held, failed, last].every((at) => at !== undefined)).toBe(true);
    // The error did not wait for the 1.5 s the process was busy after it, nor for the next line.
    expect((last ?? 0) - (failed ?? 0)).toBeGreaterThan(500);
    // The info line before it left with it (or earlier), never after it.
    expect(held).toBeLessThanOrEqual(failed ?? 0);
  }, 30_000);
});
