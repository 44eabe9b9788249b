// The built services as child processes, for `npm start` and the bench: wait until one answers,
// stop one the way an orchestrator would. Only Node built-ins: `npm start` loads this before it
// knows node_modules exists.

// A little past the services' own 15 s forced-exit timer, so theirs normally wins.
export const STOP_GRACE_MS = 16_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `url` answers 2xx: true, or false once `timeoutMs` passed or `giveUp()` holds. */
export async function waitForHttp(url, { timeoutMs, giveUp = () => false }) {
  const deadline = Date.now() + timeoutMs;
  while (!giveUp() && Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return true;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  return false;
}

/** SIGTERM, and SIGKILL (after `onForce()`) if it is still there after `graceMs`. */
export async function stopChild(child, { graceMs = STOP_GRACE_MS, onForce = () => {} } = {}) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const force = setTimeout(() => {
    onForce();
    child.kill('SIGKILL');
  }, graceMs);
  await exited;
  clearTimeout(force);
}
