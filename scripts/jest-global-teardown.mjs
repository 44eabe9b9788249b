// jest globalTeardown: stop whatever jest-global-setup.mjs started in Docker (usually nothing).
export default async function globalTeardown() {
  const started = globalThis.secureApiTestContainers ?? [];
  await Promise.allSettled(started.map((container) => container.stop()));
}
