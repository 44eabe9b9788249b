import http from 'node:http';
import { gzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RequestHandler } from 'express';
import request from 'supertest';

import { jsonShapeIsSafe } from '@secure-api/shared/http';
import { DEFAULT_BODY_LIMIT, listen, type RunningServer } from '@secure-api/shared/lifecycle';

import { buildTestApp } from './support/test-app.js';

function echoApp() {
  return buildTestApp((app) => {
    const echo: RequestHandler = (req, res) => {
      res.json({ body: (req.body as unknown) ?? null, raw: req.rawBody?.toString('utf8') ?? null });
    };
    app.post('/echo', echo);
    app.get('/echo', echo);
  }).app;
}

/** `[[[...]]]` with `levels` nested arrays. */
function nested(levels: number): string {
  return `${'['.repeat(levels)}${']'.repeat(levels)}`;
}

/** A JSON object whose serialised form is exactly `bytes` long. */
function jsonOfSize(bytes: number): string {
  const envelope = '{"pad":""}';
  return `{"pad":"${'p'.repeat(bytes - envelope.length)}"}`;
}

function expectProblem(res: request.Response, status: number, code: string, detail: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json(;|$)/);
  expect(res.body).toMatchObject({
    type: `https://secure-api.dev/problems/${code}`,
    status,
    detail,
    instance: '/echo',
  });
}

describe('jsonBody()', () => {
  it('parses application/json and keeps the exact bytes on req.rawBody', async () => {
    const sent = '{ "name" :  "Ada",\n "n": 1 }';

    const res = await request(echoApp())
      .post('/echo')
      .set('Content-Type', 'application/json')
      .send(sent);

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ body: { name: 'Ada', n: 1 }, raw: sent });
  });

  it.each(['application/json; charset=utf-8', 'application/merge-patch+json', 'APPLICATION/JSON'])(
    'accepts Content-Type %j',
    async (contentType) => {
      const res = await request(echoApp())
        .post('/echo')
        .set('Content-Type', contentType)
        .send('{"ok":true}');

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ body: { ok: true } });
    },
  );

  it('lets a GET without a body through with no body', async () => {
    const res = await request(echoApp()).get('/echo');

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ body: null, raw: null });
  });

  it('lets an empty POST (Content-Length: 0, no type) through with no body', async () => {
    const res = await request(echoApp()).post('/echo').set('Content-Length', '0');

    // Nothing to read: the body is not read at all (the gateway forwards the empty request as is).
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ body: null, raw: null });
  });

  it.each([
    ['text/plain', 'name=Ada'],
    ['application/x-www-form-urlencoded', 'name=Ada'],
    ['multipart/form-data; boundary=x', '--x\r\n\r\nAda\r\n--x--'],
    ['application/jsonx', '{"name":"Ada"}'],
  ])('when the body is %s, answers 415', async (contentType, body) => {
    const res = await request(echoApp()).post('/echo').set('Content-Type', contentType).send(body);

    expectProblem(res, 415, 'unsupported-media-type', 'Request body must be application/json');
  });

  it('when a body comes without any Content-Type, answers 415', async () => {
    const res = await request(echoApp()).post('/echo').send(Buffer.from('{"name":"Ada"}'));

    expectProblem(res, 415, 'unsupported-media-type', 'Request body must be application/json');
  });

  it('accepts a body of exactly the limit and refuses one byte more with 413', async () => {
    const app = echoApp();

    const atLimit = await request(app)
      .post('/echo')
      .set('Content-Type', 'application/json')
      .send(jsonOfSize(DEFAULT_BODY_LIMIT));
    const overLimit = await request(app)
      .post('/echo')
      .set('Content-Type', 'application/json')
      .send(jsonOfSize(DEFAULT_BODY_LIMIT + 1));

    expect(DEFAULT_BODY_LIMIT).toBe(16 * 1024);
    expect(atLimit.status).toBe(200);
    expectProblem(overLimit, 413, 'payload-too-large', 'Request body exceeds the 16384-byte limit');
  });

  it('when the body is not valid JSON, answers 400 without the parser message', async () => {
    const res = await request(echoApp())
      .post('/echo')
      .set('Content-Type', 'application/json')
      .send('{"name": "Ada",');

    expectProblem(res, 400, 'malformed-json', 'Request body is not valid JSON');
    expect(res.text).not.toMatch(/Unexpected|SyntaxError|JSON\.parse|position/);
  });

  it('when the JSON is nested 100 levels deep, answers 400 json-too-complex', async () => {
    const res = await request(echoApp())
      .post('/echo')
      .set('Content-Type', 'application/json')
      .send(nested(100));

    expectProblem(
      res,
      400,
      'json-too-complex',
      'Request body is nested too deeply or has too many elements',
    );
  });

  it('when an array has more than 1000 elements, answers 400 json-too-complex', async () => {
    const res = await request(echoApp())
      .post('/echo')
      .set('Content-Type', 'application/json')
      .send(`[${Array.from({ length: 1001 }, () => '0').join(',')}]`);

    expectProblem(
      res,
      400,
      'json-too-complex',
      'Request body is nested too deeply or has too many elements',
    );
  });

  it('accepts ordinary nesting', async () => {
    const res = await request(echoApp())
      .post('/echo')
      .set('Content-Type', 'application/json')
      .send({ a: { b: { c: [1, [2, [3]]] } } });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ body: { a: { b: { c: [1, [2, [3]]] } } } });
  });

  describe('text that is not well-formed Unicode', () => {
    const send = (json: string) =>
      request(echoApp()).post('/echo').set('Content-Type', 'application/json').send(json);

    it.each([
      ['a string value', '{"profile":{"name":"Bob\\ud800"}}', 'profile.name'],
      ['an array element', '{"tags":["ok","\\udc00x"]}', 'tags.1'],
      ['a key', '{"profile":{"n\\ud800me":"Bob"}}', 'profile.n\ufffdme'],
      ['the body itself', '"\\udfff"', 'body'],
      ['a high surrogate followed by another high one', '{"a":"\\ud83d\\ud83d"}', 'a'],
    ])(
      'refuses a lone surrogate in %s with 422 naming where it is',
      async (_where, json, field) => {
        const res = await send(json);

        expectProblem(res, 422, 'validation-failed', 'The request did not pass validation');
        expect((res.body as { errors: unknown }).errors).toEqual([
          { field, message: 'Must be well-formed Unicode text' },
        ]);
        expect(res.text).not.toMatch(/\\u[dD][89a-fA-F]/);
      },
    );

    it('accepts a surrogate pair (an emoji), escaped or not', async () => {
      const res = await send('{"a":"\\ud83d\\udca9","b":"\u{1F4A9}"}');

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ body: { a: '\u{1F4A9}', b: '\u{1F4A9}' } });
    });
  });

  // supertest re-encodes some bodies, so these send exact bytes with node's own client.
  describe('on a listening server, byte for byte', () => {
    let server: RunningServer;

    beforeAll(async () => {
      server = await listen(echoApp(), { port: 0 });
    });

    afterAll(async () => {
      await server.close();
    });

    function post(
      chunks: (string | Buffer)[],
      headers: Record<string, string> = {},
    ): Promise<{ status: number; body: string }> {
      return new Promise((resolve, reject) => {
        const req = http.request(
          `${server.url}/echo`,
          { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers } },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (body += chunk));
            res.on('end', () => {
              resolve({ status: res.statusCode ?? 0, body });
            });
          },
        );
        req.on('error', reject);
        for (const chunk of chunks) req.write(chunk);
        req.end();
      });
    }

    it('when a chunked body without Content-Length grows past the limit, answers 413', async () => {
      const chunk = 'x'.repeat(4096);
      const chunks = ['{"pad":"', ...Array.from({ length: 8 }, () => chunk), '"}'];

      const res = await post(chunks);

      expect(res.status).toBe(413);
      expect(JSON.parse(res.body)).toMatchObject({
        type: 'https://secure-api.dev/problems/payload-too-large',
        detail: 'Request body exceeds the 16384-byte limit',
      });
    });

    it('accepts a small chunked body', async () => {
      const res = await post(['{"na', 'me":"Ada"}']);

      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({
        body: { name: 'Ada' },
        raw: '{"name":"Ada"}',
      });
    });

    it('measures the limit after decompression, so a small gzip bomb is refused with 413', async () => {
      const bomb = gzipSync(jsonOfSize(1024 * 1024));

      const res = await post([bomb], {
        'Content-Encoding': 'gzip',
        'Content-Length': String(bomb.length),
      });

      expect(bomb.length).toBeLessThan(DEFAULT_BODY_LIMIT);
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body)).toMatchObject({
        type: 'https://secure-api.dev/problems/payload-too-large',
        detail: 'Request body exceeds the 16384-byte limit',
      });
    });

    it('when the bytes are not valid UTF-8 (an encoded surrogate, an overlong dot), answers 400', async () => {
      for (const bad of [[0xed, 0xa0, 0x80], [0xc0, 0xae], [0xff]]) {
        const body = Buffer.concat([Buffer.from('{"name":"'), Buffer.from(bad), Buffer.from('"}')]);

        const res = await post([body]);

        expect(res.status).toBe(400);
        expect(JSON.parse(res.body)).toMatchObject({
          type: 'https://secure-api.dev/problems/malformed-json',
          detail: 'Request body is not valid JSON',
        });
      }
    });

    it('accepts a gzip body that fits once inflated, and keeps the inflated bytes', async () => {
      const sent = '{"name":"Ada"}';

      const res = await post([gzipSync(sent)], { 'Content-Encoding': 'gzip' });

      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ body: { name: 'Ada' }, raw: sent });
    });
  });
});

describe('jsonShapeIsSafe()', () => {
  it('allows 32 levels of nesting and refuses 33 by default', () => {
    expect(jsonShapeIsSafe(JSON.parse(nested(32)))).toBe(true);
    expect(jsonShapeIsSafe(JSON.parse(nested(33)))).toBe(false);
  });

  it('counts object keys and array elements against their own limits', () => {
    const keys = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));

    expect(jsonShapeIsSafe(keys(1000))).toBe(true);
    expect(jsonShapeIsSafe(keys(1001))).toBe(false);
    expect(jsonShapeIsSafe(new Array(1000).fill(0))).toBe(true);
    expect(jsonShapeIsSafe(new Array(1001).fill(0))).toBe(false);
    expect(jsonShapeIsSafe({ a: [1, 2, 3] }, { maxArrayLength: 2 })).toBe(false);
  });

  it('treats scalars as safe', () => {
    expect(jsonShapeIsSafe('text')).toBe(true);
    expect(jsonShapeIsSafe(null)).toBe(true);
    expect(jsonShapeIsSafe(42)).toBe(true);
  });
});
