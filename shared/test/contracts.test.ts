import { randomUUID } from 'node:crypto';

import { describe, expect, it } from '@jest/globals';

import {
  decodeSecurityPolicy,
  encodeSecurityPolicy,
  publicUserSchema,
  securityPolicyKey,
  toPublicUser,
  userCountsSchema,
  userProfileSchema,
} from '@secure-api/shared/contracts';

describe('the public user contract', () => {
  const user = {
    id: randomUUID(),
    username: 'ada',
    email: 'ada@example.com',
    email_verified: false,
    full_name: null,
    role: 'user',
    is_active: true,
    created_at: new Date().toISOString(),
  };
  const profile = { ...user, sign_in_alerts: true };

  it('reads what user-service presents, dropping a field it does not know', () => {
    expect(publicUserSchema.parse({ ...user, password_hash: 'x' })).toEqual(user);
  });

  it.each([
    ['an unknown role', { role: 'root' }],
    ['no is_active', { is_active: undefined }],
    ['no email_verified', { email_verified: undefined }],
    ['an id that is not a UUID', { id: '42' }],
  ])('refuses a user with %s', (_case, change) => {
    expect(publicUserSchema.safeParse({ ...user, ...change }).success).toBe(false);
  });

  it('reads the internal profile with the owner’s sign-in alert setting', () => {
    expect(userProfileSchema.parse({ ...profile, password_hash: 'x' })).toEqual(profile);
    expect(userProfileSchema.safeParse({ ...profile, sign_in_alerts: 'yes' }).success).toBe(false);
    expect(userProfileSchema.safeParse(user).success).toBe(false);
  });

  it('turns a profile into exactly the public fields before a client sees it', () => {
    const answer = toPublicUser(userProfileSchema.parse(profile));

    expect(answer).toEqual(user);
    expect(Object.keys(answer).sort()).toEqual([
      'created_at',
      'email',
      'email_verified',
      'full_name',
      'id',
      'is_active',
      'role',
      'username',
    ]);
  });
});

describe('the security-policy mirror in Redis', () => {
  const rate = { login_rate_limit: { points: 9, duration_seconds: 30 } };

  it('lives under the deployment’s key prefix', () => {
    expect(securityPolicyKey('stack-a:')).toBe('stack-a:security-policy');
  });

  it('is read back as written, keeping only what readers rely on', () => {
    const written = encodeSecurityPolicy({ ...rate, max_login_attempts: 5 } as typeof rate);

    expect(JSON.parse(written)).toMatchObject({ max_login_attempts: 5 });
    expect(decodeSecurityPolicy(written)).toEqual(rate);
  });

  it.each([
    ['absent', null],
    ['not JSON', '{"login_rate_limit":'],
    ['zero points', JSON.stringify({ login_rate_limit: { points: 0, duration_seconds: 60 } })],
  ])('is undefined when %s', (_case, raw) => {
    expect(decodeSecurityPolicy(raw)).toBeUndefined();
  });
});

describe('the user counts contract', () => {
  const counts = {
    total: 3,
    by_role: { admin: 1, moderator: 0, user: 2, viewer: 0 },
    active: 3,
    inactive: 0,
  };

  it('reads what user-service counts', () => {
    expect(userCountsSchema.parse(counts)).toEqual(counts);
  });

  it('refuses anything riding along, since audit-service shows it to an admin as it is', () => {
    expect(userCountsSchema.safeParse({ ...counts, emails: ['a@example.com'] }).success).toBe(
      false,
    );
  });
});
