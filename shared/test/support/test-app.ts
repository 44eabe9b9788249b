import type { Express } from 'express';

import {
  createMetrics,
  createServiceApp,
  Readiness,
  type Metrics,
} from '@secure-api/shared/lifecycle';
import { captureLogger, type CapturedLogger } from '@secure-api/shared/testing';

export interface TestApp {
  app: Express;
  log: CapturedLogger;
  metrics: Metrics;
}

/** A real service app (the same middleware chain every service runs) around a few test routes. */
export function buildTestApp(routes: (app: Express) => void, bodyLimit?: number): TestApp {
  const log = captureLogger('shared-test');
  const metrics = createMetrics('shared-test');
  const app = createServiceApp({
    logger: log.logger,
    metrics,
    readiness: new Readiness({}),
    routes,
    ...(bodyLimit === undefined ? {} : { bodyLimit }),
  });
  return { app, log, metrics };
}

export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
