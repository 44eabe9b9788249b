import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { z } from 'zod';

import { validate } from '@secure-api/shared/http';

import { buildTestApp } from './support/test-app.js';

const widgetSchemas = {
  params: z.object({ id: z.uuid() }).strict(),
  query: z.object({ page: z.coerce.number().int().min(1).default(1) }).strict(),
  body: z
    .object({
      name: z.string().trim().min(1).max(20),
      tags: z.array(z.string()).max(3).default([]),
      owner: z.object({ email: z.email() }).strict().optional(),
    })
    .strict(),
};

const WIDGET_ID = '3f0b7a52-5d7e-4a8a-9a34-6b1f3f0e2c11';

function widgetApp() {
  let handlerCalls = 0;
  const { app } = buildTestApp((routes) => {
    routes.post('/widgets/:id', validate(widgetSchemas), (req, res) => {
      handlerCalls += 1;
      // Echo exactly what the handler received, types included.
      res.json({ params: req.params, query: req.query, body: req.body as unknown });
    });
  });
  return { app, handlerCalls: () => handlerCalls };
}

describe('validate()', () => {
  it('hands the handler the parsed values: coerced query numbers, trimmed strings, defaults', async () => {
    const { app } = widgetApp();

    const res = await request(app)
      .post(`/widgets/${WIDGET_ID}?page=2`)
      .send({ name: '  Sprocket  ', owner: { email: 'owner@example.com' } });

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      params: { id: WIDGET_ID },
      query: { page: 2 },
      body: { name: 'Sprocket', tags: [], owner: { email: 'owner@example.com' } },
    });
  });

  it('applies query defaults when the parameter is absent', async () => {
    const { app } = widgetApp();

    const res = await request(app).post(`/widgets/${WIDGET_ID}`).send({ name: 'Cog' });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ query: { page: 1 } });
  });

  it('when the body has an unknown field, answers 422 naming it "Unknown field" without echoing its value', async () => {
    const { app, handlerCalls } = widgetApp();
    const smuggled = `admin-${Date.now().toString(36)}-marker`;

    const res = await request(app)
      .post(`/widgets/${WIDGET_ID}`)
      .send({ name: 'Cog', role: smuggled, owner: { email: 'o@example.com', is_admin: smuggled } });

    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json(;|$)/);
    expect(res.body).toEqual({
      type: 'https://secure-api.dev/problems/validation-failed',
      title: 'Unprocessable Entity',
      status: 422,
      detail: 'The request did not pass validation',
      instance: `/widgets/${WIDGET_ID}`,
      request_id: res.headers['x-request-id'],
      errors: [
        { field: 'owner.is_admin', message: 'Unknown field' },
        { field: 'role', message: 'Unknown field' },
      ],
    });
    expect(res.text).not.toContain(smuggled);
    expect(handlerCalls()).toBe(0);
  });

  it('when a value breaks a rule, names the field and the rule but never the rejected value', async () => {
    const { app } = widgetApp();
    const tooLong = `secret-${'x'.repeat(30)}`;

    const res = await request(app)
      .post(`/widgets/${WIDGET_ID}`)
      .send({ name: tooLong, tags: ['a', 'b', 'c', 'd'], owner: { email: 'not-an-email-marker' } });

    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      errors: [
        { field: 'name', message: 'Too big: expected string to have <=20 characters' },
        { field: 'tags', message: 'Too big: expected array to have <=3 items' },
        { field: 'owner.email', message: 'Invalid email address' },
      ],
    });
    expect(res.text).not.toContain(tooLong);
    expect(res.text).not.toContain('not-an-email-marker');
  });

  it('reports params, query and body problems together, each prefixed by where it was found', async () => {
    const { app, handlerCalls } = widgetApp();

    const res = await request(app)
      .post('/widgets/not-a-uuid?page=0&debug=query-marker')
      .send({ name: 42 });

    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      errors: [
        { field: 'params.id', message: 'Invalid UUID' },
        { field: 'query.page', message: 'Too small: expected number to be >=1' },
        { field: 'query.debug', message: 'Unknown field' },
        { field: 'name', message: 'Invalid input: expected string, received number' },
      ],
    });
    expect(res.text).not.toContain('query-marker');
    expect(handlerCalls()).toBe(0);
  });

  it('when the body is missing, reports the required fields', async () => {
    const { app } = widgetApp();

    const res = await request(app).post(`/widgets/${WIDGET_ID}`);

    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      errors: [{ field: 'name', message: 'Invalid input: expected string, received undefined' }],
    });
  });

  it('when the body is not an object, names the body itself', async () => {
    const { app } = widgetApp();

    const res = await request(app)
      .post(`/widgets/${WIDGET_ID}`)
      .set('Content-Type', 'application/json')
      .send('["array-marker"]');

    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      errors: [{ field: 'body', message: 'Invalid input: expected object, received array' }],
    });
    expect(res.text).not.toContain('array-marker');
  });
});
