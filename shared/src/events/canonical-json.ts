/**
 * Deterministic JSON for hashing: object keys sorted by UTF-16 code units, no whitespace, arrays
 * in order, JSON's own rules otherwise (undefined members dropped, `toJSON` honoured). For the
 * values events hold this equals RFC 8785 (JCS). Non-finite numbers, bigints and cycles throw:
 * a hash over an ambiguous rendering would be worthless.
 */
export function canonicalJson(value: unknown): string {
  const rendered = render(value, new Set());
  if (rendered === undefined) throw new TypeError('canonicalJson: value has no JSON form');
  return rendered;
}

function byKey([a]: [string, unknown], [b]: [string, unknown]): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

function hasToJson(value: object): value is { toJSON(): unknown } {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

function render(input: unknown, ancestors: Set<object>): string | undefined {
  const value =
    typeof input === 'object' && input !== null && hasToJson(input) ? input.toJSON() : input;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
      return JSON.stringify(value);
    case 'bigint':
      throw new TypeError('canonicalJson: bigint has no JSON form');
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'object':
      break;
  }
  if (value === null) return 'null';
  if (ancestors.has(value)) throw new TypeError('canonicalJson: cyclic value');
  ancestors.add(value);
  let out: string;
  if (Array.isArray(value)) {
    out = `[${value.map((item: unknown) => render(item, ancestors) ?? 'null').join(',')}]`;
  } else {
    const members: string[] = [];
    for (const [key, member] of Object.entries(value).sort(byKey)) {
      const rendered = render(member, ancestors);
      if (rendered !== undefined) members.push(`${JSON.stringify(key)}:${rendered}`);
    }
    out = `{${members.join(',')}}`;
  }
  ancestors.delete(value);
  return out;
}
