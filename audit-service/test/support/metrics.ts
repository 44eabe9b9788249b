import request from 'supertest';

/** The value of an unlabelled-by-us counter on an instance's /metrics (0 when absent). */
export async function counter(url: string, name: string): Promise<number> {
  const text = (await request(url).get('/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** The value of a counter's series with these labels on an instance's /metrics (0 when absent). */
export async function counterWith(
  url: string,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const text = (await request(url).get('/metrics')).text;
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && wanted.every((label) => l.includes(label)));
  return line ? Number(line.split(' ').at(-1)) : 0;
}
