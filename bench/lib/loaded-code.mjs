// What the gateway's code holds once loaded: a Node process that imports everything the gateway's
// entry point imports (its libraries and its own modules), starts nothing, and is measured after
// forced collections. Its live heap is the weight of the code; its RSS is mostly how much young
// generation V8 kept after the loading, which is no floor for a running gateway (one idled below
// it when V8 had shrunk the young generation).
/* eslint-disable security/detect-non-literal-fs-filename -- a checkout of this repository */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const MODULES = ['gateway/dist/api/server.js', 'gateway/dist/config.js'];

/** RSS and live heap in MiB, or undefined when the checkout has no such modules. */
export function loadedGatewayCode(checkout) {
  const files = MODULES.map((file) => path.join(checkout, file));
  if (!files.every((file) => existsSync(file))) return undefined;
  const script = `
    for (const url of ${JSON.stringify(files.map((f) => pathToFileURL(f).href))}) await import(url);
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (let i = 0; i < 3; i += 1) global.gc();
    const { rss, heapUsed } = process.memoryUsage();
    process.stdout.write(JSON.stringify({ rss: rss / 1048576, heap: heapUsed / 1048576 }));`;
  const result = spawnSync(
    process.execPath,
    ['--expose-gc', '--input-type=module', '--eval', script],
    { cwd: path.join(checkout, 'gateway'), encoding: 'utf8', env: { PATH: process.env.PATH } },
  );
  if (result.status !== 0) throw new Error(`loading the gateway's code: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** A bare Node process of the same binary, measured the same way: what Node itself holds. */
export function bareNode() {
  const result = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      '--input-type=module',
      '--eval',
      `await new Promise((resolve) => setTimeout(resolve, 500));
       for (let i = 0; i < 3; i += 1) global.gc();
       process.stdout.write(JSON.stringify({ rss: process.memoryUsage().rss / 1048576 }));`,
    ],
    { encoding: 'utf8', env: { PATH: process.env.PATH } },
  );
  return JSON.parse(result.stdout);
}
