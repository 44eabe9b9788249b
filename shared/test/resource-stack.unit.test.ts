import { describe, expect, it } from '@jest/globals';

import { ResourceStack } from '@secure-api/shared/lifecycle';

describe('ResourceStack', () => {
  it('when a start-up step fails, closes what was opened before it, newest first, and rethrows', async () => {
    const closed: string[] = [];
    const resources = new ResourceStack();

    const starting = resources.startWith(async (opened) => {
      opened.open('database', (name) => closed.push(name));
      opened.open('redis', (name) => closed.push(name));
      await Promise.reject(new Error('listen EADDRINUSE'));
    });

    await expect(starting).rejects.toThrow('listen EADDRINUSE');
    expect(closed).toEqual(['redis', 'database']);
  });

  it('reports the start-up failure, not a closer that fails while cleaning up', async () => {
    const closed: string[] = [];
    const starting = new ResourceStack().startWith(async (opened) => {
      opened.open('database', (name) => closed.push(name));
      opened.open('broker', () => Promise.reject(new Error('already gone')));
      await Promise.reject(new Error('listen EADDRINUSE'));
    });

    await expect(starting).rejects.toThrow('listen EADDRINUSE');
    expect(closed).toEqual(['database']);
  });

  it('runs every closer once even when one fails, then throws the first failure', async () => {
    const closed: string[] = [];
    const resources = new ResourceStack();
    resources.open('database', (name) => closed.push(name));
    resources.open('broker', () => Promise.reject(new Error('broker close failed')));
    resources.open('server', (name) => closed.push(name));

    await expect(resources.close()).rejects.toThrow('broker close failed');
    await expect(resources.close()).rejects.toThrow('broker close failed');
    expect(closed).toEqual(['server', 'database']);
  });
});
