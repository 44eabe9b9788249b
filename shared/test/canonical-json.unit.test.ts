import { describe, expect, it } from '@jest/globals';

import { canonicalJson } from '@secure-api/shared/events';

describe('canonicalJson', () => {
  it('sorts keys at every depth and leaves no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('is the same for the same value whatever the key order', () => {
    const one = {
      id: 'e1',
      actor: { ip: '1.2.3.4', user_id: 'u' },
      data: { n: 1, list: ['b', 'a'] },
    };
    const two = {
      data: { list: ['b', 'a'], n: 1 },
      actor: { user_id: 'u', ip: '1.2.3.4' },
      id: 'e1',
    };

    expect(canonicalJson(one)).toBe(canonicalJson(two));
  });

  it('keeps array order, drops undefined members, renders undefined items as null', () => {
    expect(canonicalJson({ a: undefined, b: [undefined, 2, null] })).toBe('{"b":[null,2,null]}');
  });

  it('sorts by UTF-16 code units and escapes like JSON', () => {
    expect(canonicalJson({ é: 1, z: 2, Z: 3, '\u2028': 'line\nbreak "q"' })).toBe(
      '{"Z":3,"z":2,"é":1,"\u2028":"line\\nbreak \\"q\\""}',
    );
  });

  it('renders dates and numbers the way JSON does', () => {
    expect(canonicalJson([new Date(0), 1.5, 1e21, -0, true])).toBe(
      '["1970-01-01T00:00:00.000Z",1.5,1e+21,0,true]',
    );
  });

  it('refuses values without one unambiguous JSON form', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;

    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
    expect(() => canonicalJson({ n: Infinity })).toThrow(TypeError);
    expect(() => canonicalJson(10n)).toThrow(TypeError);
    expect(() => canonicalJson(cyclic)).toThrow(TypeError);
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });
});
