import type { RequestHandler } from 'express';

export type DependencyCheck = () => Promise<void>;

const CHECK_TIMEOUT_MS = 2000;

function withTimeout(check: DependencyCheck): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error('timeout'));
    }, CHECK_TIMEOUT_MS);
  });
  return Promise.race([check(), timeout]).finally(() => {
    clearTimeout(timer);
  });
}

/** Readiness is the live answer of every dependency, and false once draining starts. */
export class Readiness {
  private draining = false;

  constructor(private readonly checks: Record<string, DependencyCheck>) {}

  startDraining(): void {
    this.draining = true;
  }

  async evaluate(): Promise<{ ready: boolean; checks: Record<string, 'up' | 'down'> }> {
    const entries = Object.entries(this.checks);
    const results = await Promise.allSettled(entries.map(([, check]) => withTimeout(check)));
    const checks = Object.fromEntries(
      entries.map(
        ([name], i) => [name, results.at(i)?.status === 'fulfilled' ? 'up' : 'down'] as const,
      ),
    );
    const ready = !this.draining && Object.values(checks).every((state) => state === 'up');
    return { ready, checks };
  }

  liveHandler(): RequestHandler {
    return (_req, res) => {
      res.json({ status: 'alive' });
    };
  }

  readyHandler(): RequestHandler {
    return async (_req, res) => {
      const { ready, checks } = await this.evaluate();
      const status = this.draining ? 'draining' : ready ? 'ready' : 'unavailable';
      res.status(ready ? 200 : 503).json({ status, checks });
    };
  }
}
