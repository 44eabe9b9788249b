import { readFileSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';

import { captureLogger } from '@secure-api/shared/testing';

import { startServer, type RunningGateway } from '../src/api/server.js';
import { DOCS_CSP, docsRoutes } from '../src/api/routes/docs.routes.js';
import { closedPort, expectProblem, gatewayConfig } from './helpers.js';

const STRICT_CSP = "default-src 'none';frame-ancestors 'none'";
const committedDocument = JSON.parse(
  readFileSync(path.join(import.meta.dirname, '..', '..', 'docs', 'openapi.json'), 'utf8'),
) as unknown;

async function gatewayWithDocs(docsEnabled: string): Promise<RunningGateway> {
  const nowhere = `http://127.0.0.1:${await closedPort()}`;
  return startServer(
    gatewayConfig({
      DOCS_ENABLED: docsEnabled,
      AUTH_SERVICE_URL: nowhere,
      USER_SERVICE_URL: nowhere,
      AUDIT_SERVICE_URL: nowhere,
    }),
    captureLogger('gateway').logger,
  );
}

describe('GET /docs with DOCS_ENABLED=true', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await gatewayWithDocs('true');
  });

  afterAll(async () => {
    await gateway.close();
  });

  it('serves the Swagger UI page, which loads its scripts and styles from this origin only', async () => {
    const res = await request(gateway.url).get('/docs');

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text).toContain('<div id="swagger-ui"></div>');
    const sources = [...res.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(sources.sort()).toEqual([
      '/docs/init.js',
      '/docs/swagger-ui-bundle.js',
      '/docs/swagger-ui.css',
    ]);
    // Nothing inline for the CSP to have to allow.
    expect(res.text).not.toMatch(/<script>|<style|style=|on[a-z]+=/i);
  });

  it('serves Swagger UI itself and the script that points it at the document', async () => {
    const bundle = await request(gateway.url).get('/docs/swagger-ui-bundle.js');
    const css = await request(gateway.url).get('/docs/swagger-ui.css');
    const init = await request(gateway.url).get('/docs/init.js');

    expect(bundle.status).toBe(200);
    expect(bundle.headers['content-type']).toMatch(/^text\/javascript/);
    expect(bundle.text).toContain('SwaggerUIBundle');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    expect(init.text).toContain("url: '/docs/openapi.json'");
    expect(init.text).toContain('validatorUrl: null');
  });

  it('serves the committed OpenAPI document at /docs/openapi.json', async () => {
    const res = await request(gateway.url).get('/docs/openapi.json');

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual(committedDocument);
    expect((res.body as { openapi: string }).openapi).toBe('3.1.0');
  });

  it('relaxes the CSP for the docs only: self scripts and styles, nothing inline, no eval', async () => {
    for (const docsPath of ['/docs', '/docs/init.js', '/docs/openapi.json']) {
      const res = await request(gateway.url).get(docsPath);

      expect(res.headers['content-security-policy']).toBe(DOCS_CSP);
    }
    expect(DOCS_CSP).toContain("default-src 'none'");
    expect(DOCS_CSP).toContain("script-src 'self'");
    expect(DOCS_CSP).toContain("style-src 'self'");
    expect(DOCS_CSP).toContain("frame-ancestors 'none'");
    expect(DOCS_CSP).not.toMatch(/unsafe-|\*|https?:/);

    const health = await request(gateway.url).get('/health');
    const unknown = await request(gateway.url).get('/docs/nothing-here');
    const api = await request(gateway.url).get('/api/v1/users/me');
    expect(health.headers['content-security-policy']).toBe(STRICT_CSP);
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-security-policy']).toBe(STRICT_CSP);
    expect(api.status).toBe(401);
    expect(api.headers['content-security-policy']).toBe(STRICT_CSP);
  });

  it('keeps the other edge headers on the docs page', async () => {
    const res = await request(gateway.url).get('/docs');

    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-request-id']).toBeDefined();
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});

describe('GET /docs with DOCS_ENABLED=false', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await gatewayWithDocs('false');
  });

  afterAll(async () => {
    await gateway.close();
  });

  it('answers 404 problems for the page, the document and the assets', async () => {
    for (const docsPath of [
      '/docs',
      '/docs/',
      '/docs/openapi.json',
      '/docs/swagger-ui-bundle.js',
      '/docs/init.js',
    ]) {
      const res = await request(gateway.url).get(docsPath);

      expectProblem(res, 404, 'The requested resource was not found');
      expect(res.headers['content-security-policy']).toBe(STRICT_CSP);
    }
  });
});

describe('docsRoutes()', () => {
  it('refuses to start with docs enabled when the OpenAPI document is missing', () => {
    expect(() => docsRoutes(true, '/nonexistent/openapi.json')).toThrow(
      'DOCS_ENABLED is on but the OpenAPI document (run `npm run openapi`) (/nonexistent/openapi.json) cannot be read',
    );
    expect(() => docsRoutes(false, '/nonexistent/openapi.json')).not.toThrow();
  });
});
