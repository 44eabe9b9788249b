import { describe, expect, it } from '@jest/globals';
import type { z } from 'zod';

import { apiKeyNameField, fullNameField } from '@secure-api/shared/accounts';

const messagesOf = (result: z.ZodSafeParseResult<unknown>) =>
  result.success ? [] : result.error.issues.map((issue) => issue.message);

// Markup a stored name could carry to a page that renders it without escaping.
const MARKUP = [
  ['tags around and a script', '<b>Bob</b><script>x</script> Smith', 'Bob x Smith'],
  ['an event handler', '<img src=x onerror=alert(1)>Eve', 'Eve'],
  ['a tag split to survive one pass', '<scr<script>ipt>alert(1)</script>', 'scr ipt alert(1)'],
  ['an unclosed tag', 'Tom <3', 'Tom 3'],
  ['brackets alone', '<<b>>x<', 'x'],
  ['an encoded-looking tag stays text', '&lt;b&gt;Ann', '&lt;b&gt;Ann'],
] as const;

describe.each([
  ['fullNameField', fullNameField],
  ['apiKeyNameField', apiKeyNameField],
] as const)('the display-text field %s', (_name, field) => {
  it.each(MARKUP)('strips %s before storage, leaving no < or >', (_case, input, stored) => {
    const parsed = field.parse(input);

    expect(parsed).toBe(stored);
    expect(parsed).not.toMatch(/[<>]/);
  });

  it.each([
    ['a control character', 'Bob\u0007 Smith'],
    ['a control character inside a tag', '<b\u0000>Bob</b>'],
    ['a line separator', 'Bob\u2028Smith'],
    ['a bidi override', 'Bob\u202ESmith'],
    ['a lone high surrogate', 'Bob\ud800'],
    ['a lone low surrogate', '\udc00Bob'],
  ])('refuses %s (422)', (_case, input) => {
    expect(messagesOf(field.safeParse(input))).toEqual(['Must not contain control characters']);
  });

  it('keeps a well-formed emoji and other scripts', () => {
    expect(field.parse('Zoë 山田 \u{1F4A9}')).toBe('Zoë 山田 \u{1F4A9}');
  });
});

describe('fullNameField', () => {
  it('stores a name that is only markup as no name', () => {
    expect(fullNameField.parse('<b></b>')).toBeNull();
  });
});

describe('apiKeyNameField', () => {
  it('refuses a name that is only markup', () => {
    expect(messagesOf(apiKeyNameField.safeParse('<b> </b>'))).toEqual([
      'Must contain text, not only markup',
    ]);
  });

  it('refuses an empty name and one over 100 characters', () => {
    expect(apiKeyNameField.safeParse('  ').success).toBe(false);
    expect(apiKeyNameField.safeParse('k'.repeat(101)).success).toBe(false);
  });
});
