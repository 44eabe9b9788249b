import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');

const ENTRIES = ['shared', 'gateway', 'auth-service', 'user-service', 'audit-service'].map(
  (workspace) => path.join(ROOT, workspace, 'dist/index.js'),
);

/** The child-process tests run the built services; build once if a dist is missing. */
export function ensureBuilt(): void {
  if (ENTRIES.every((entry) => existsSync(entry))) return;
  const result = spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.build.json'],
    { cwd: ROOT, stdio: 'inherit' },
  );
  if (result.status !== 0) throw new Error('npm run build failed');
}

export interface ServiceProcess {
  child: ChildProcess;
  pid: number;
  /** Resolves with the exit code (null when killed by a signal) once the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything it wrote to stdout and stderr so far (its logs). */
  output(): string;
  /** Where its heap probe writes (started with `heapProbe`). */
  heapProbeFile?: string;
}

const logDir = mkdtempSync(path.join(tmpdir(), 'secure-api-faults-'));

const HEAP_PROBE = pathToFileURL(path.join(ROOT, 'gateway/test/faults/support/heap-probe.mjs'));

/**
 * `node <workspace>/dist/index.js` with exactly this environment (plus PATH). `heapProbe` also
 * loads the heap probe, so `probeHeap()` can ask for the live heap after a full collection.
 */
export function spawnService(
  workspace: string,
  env: Record<string, string>,
  options: { heapProbe?: boolean } = {},
): ServiceProcess {
  const stem = path.join(logDir, `${workspace}-${Date.now()}-${Math.random()}`);
  const logFile = `${stem}.log`;
  const heapProbeFile = options.heapProbe ? `${stem}.heap` : undefined;
  const fd = openSync(logFile, 'a');
  const probe = heapProbeFile ? ['--expose-gc', '--import', HEAP_PROBE.href] : [];
  const child = spawn(process.execPath, [...probe, path.join(ROOT, workspace, 'dist/index.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      ...env,
      ...(heapProbeFile ? { HEAP_PROBE_FILE: heapProbeFile } : {}),
    },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
    });
  });
  if (child.pid === undefined) throw new Error(`could not start ${workspace}`);
  return {
    child,
    pid: child.pid,
    exited,
    output: () => readFileSync(logFile, 'utf8'),
    ...(heapProbeFile ? { heapProbeFile } : {}),
  };
}

/**
 * The live heap (MiB) the probe wrote at the last request, if any, then a new request: the
 * service collects and writes again, asynchronously, in time for the next call.
 */
export function probeHeap(service: ServiceProcess): number | undefined {
  const { heapProbeFile } = service;
  if (!heapProbeFile) throw new Error('started without a heap probe');
  const last = existsSync(heapProbeFile) ? Number(readFileSync(heapProbeFile, 'utf8')) : NaN;
  service.child.kill('SIGUSR2');
  return Number.isFinite(last) && last > 0 ? last / 1024 / 1024 : undefined;
}

/** Polls until the URL answers 200; fails with the service's own output if it never does. */
export async function waitUntilUp(
  url: string,
  service: ServiceProcess,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null) break;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`${url} did not come up:\n${service.output().slice(-2000)}`);
}

/** SIGTERM, and SIGKILL if it is still there after `graceMs`. */
export async function stopService(service: ServiceProcess, graceMs = 16_000): Promise<void> {
  if (service.child.exitCode !== null || service.child.signalCode !== null) return;
  service.child.kill('SIGTERM');
  const timer = setTimeout(() => service.child.kill('SIGKILL'), graceMs);
  await service.exited;
  clearTimeout(timer);
}

/** Resident set size of a process in MiB (Linux /proc). */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for ${pid}`);
  return Number(kib) / 1024;
}

const TCP_STATES = new Map(
  Object.entries({
    '01': 'ESTABLISHED',
    '02': 'SYN_SENT',
    '03': 'SYN_RECV',
    '04': 'FIN_WAIT1',
    '05': 'FIN_WAIT2',
    '06': 'TIME_WAIT',
    '07': 'CLOSE',
    '08': 'CLOSE_WAIT',
    '09': 'LAST_ACK',
    '0A': 'LISTEN',
    '0B': 'CLOSING',
  }),
);

/** The states of every local TCP socket whose remote end is 127.0.0.1:`port` (from /proc). */
export function socketsTo(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const states: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const remote = fields[2];
      const state = fields[3];
      if (remote?.endsWith(`:${hexPort}`) && state) states.push(TCP_STATES.get(state) ?? state);
    }
  }
  return states;
}
