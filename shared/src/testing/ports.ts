import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';

// A port handed out here is listened on only later (a service that must know its peers' ports
// before they start), so between the two nothing else may take it. A port from the kernel's
// ephemeral range can be taken by any outgoing connection meanwhile (the e2e suite once met
// EADDRINUSE that way). So ports come from below that range, each jest worker from its own slice,
// and a process never hands out the same port twice.
const LOWEST = 20_000;
const SLICES = 8;
const handedOut = new Set<number>();

/** Where Linux starts choosing ports for outgoing connections (its default when unreadable). */
function ephemeralStart(): number {
  try {
    const [start] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    return start !== undefined && Number.isInteger(start) ? start : 32_768;
  } catch {
    return 32_768;
  }
}

const SLICE = Math.floor((ephemeralStart() - LOWEST) / SLICES);

function listenOnce(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => {
      resolve(undefined);
    });
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as net.AddressInfo).port;
      server.close(() => {
        resolve(bound);
      });
    });
  });
}

/** A port nothing listens on now, and no outgoing connection of this machine will take. */
export async function closedPort(): Promise<number> {
  if (SLICE < 100) {
    // An unusual ephemeral range leaves no room below it: any free port, as the kernel picks.
    const port = await listenOnce(0);
    if (port === undefined) throw new Error('no free port');
    return port;
  }
  const worker = Number(process.env.JEST_WORKER_ID ?? 0) % SLICES;
  const base = LOWEST + worker * SLICE;
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const candidate = base + randomInt(SLICE);
    if (handedOut.has(candidate)) continue;
    // Reserved before the check: concurrent calls never try the same port.
    handedOut.add(candidate);
    if ((await listenOnce(candidate)) !== undefined) return candidate;
    handedOut.delete(candidate);
  }
  throw new Error(`no free port in ${String(base)}-${String(base + SLICE - 1)}`);
}
