// Loaded into a soak service with `--expose-gc --import` (never into a deployed one): on SIGUSR2 a
// full collection runs, then the live heap in bytes is written to $HEAP_PROBE_FILE. RSS alone
// cannot tell a leak from V8 growing its heap to its working size; the heap after a full
// collection can.
import { writeFileSync } from 'node:fs';

const file = process.env.HEAP_PROBE_FILE;
const { gc } = globalThis;
if (file && typeof gc === 'function') {
  process.on('SIGUSR2', () => {
    gc();
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the test's own file
    writeFileSync(file, String(process.memoryUsage().heapUsed));
  });
}
