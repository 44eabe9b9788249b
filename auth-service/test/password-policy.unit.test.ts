import { describe, expect, it } from '@jest/globals';

import { checkPassword, COMMON_PASSWORD_COUNT } from '../src/domain/password-policy.js';

const detailOf = (password: string, identity: { username?: string; email?: string } = {}) =>
  checkPassword(password, identity)?.detail;

describe('password policy (the composition default)', () => {
  it.each([
    ['short1!', 'Password must be at least 8 characters long'],
    ['alllowercase1!', 'Password must contain an uppercase letter'],
    ['ALLUPPERCASE1!', 'Password must contain a lowercase letter'],
    ['NoDigitsHere!', 'Password must contain a digit'],
    ['NoSpecial123', 'Password must contain a special character'],
    ['password123!', 'Password must contain an uppercase letter'],
    ['Password123!', 'Password is too common'],
    ['Qwerty123!', 'Password is too common'],
    [`Aa1!${'x'.repeat(125)}`, 'Password must be at most 128 characters long'],
  ])('refuses %j: %s', (password, detail) => {
    expect(detailOf(password)).toBe(detail);
  });

  it('refuses a password containing the username or the email local part', () => {
    expect(detailOf('Xx-ada_lovelace-9!', { username: 'ada_lovelace' })).toBe(
      'Password must not contain your username or email',
    );
    expect(detailOf('My-Grace.hopper-77', { email: 'grace.hopper@example.com' })).toBe(
      'Password must not contain your username or email',
    );
  });

  it('accepts a strong password, with a 400 status on every refusal', () => {
    expect(checkPassword('Correct-Horse-42', { username: 'someone' })).toBeUndefined();
    expect(checkPassword('short1!', {})?.status).toBe(400);
  });

  it('counts characters, not UTF-16 units', () => {
    expect(detailOf('Aé1!😀😀😀')).toBe('Password must be at least 8 characters long');
  });

  it('ships a common-password list of at least 10,000 entries', () => {
    expect(COMMON_PASSWORD_COUNT).toBeGreaterThanOrEqual(10_000);
  });
});
