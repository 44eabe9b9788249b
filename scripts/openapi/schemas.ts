import { z } from 'zod';

import { PERMISSIONS, ROLES } from '@secure-api/shared/auth';
import type { PublicUser } from '@secure-api/shared/contracts';
import { eventEnvelopeSchema } from '@secure-api/shared/events';
import { PROBLEM_TYPE_BASE, type ProblemBody } from '@secure-api/shared/http';

import type { AdminStats } from '../../audit-service/src/domain/stats.use-case.js';
import type { ChainVerification } from '../../audit-service/src/domain/chain-verification.js';
import type { SignedCheckpoint } from '../../audit-service/src/domain/checkpoint.js';
import type { VerifyJob } from '../../audit-service/src/domain/full-walk.use-case.js';
import type { ApiKeyView } from '../../auth-service/src/domain/api-keys.use-case.js';
import type { SessionView } from '../../auth-service/src/domain/sessions.use-case.js';
import type { UserSettings } from '../../user-service/src/domain/user.js';
import { securityPolicySchema } from '../../auth-service/src/domain/security-policy.js';

/**
 * What the services answer, as zod, for the document only: the services build their responses
 * field by field (presentUser, view(), ...). The key checks at the bottom make `tsc` fail when a
 * service adds or drops a response field this file does not describe.
 */
export const components = z.registry<{ id: string; description?: string }>();

function named<T extends z.ZodType>(id: string, description: string, schema: T): T {
  components.add(schema, { id, description });
  return schema;
}

const uuid = z.uuid();
const instant = z.iso.datetime({ offset: true });
const role = z.enum(ROLES);

export const problem = named(
  'Problem',
  'RFC 9457 problem details; every error of every service has this shape.',
  z.strictObject({
    type: z.url().meta({ examples: [`${PROBLEM_TYPE_BASE}not-found`] }),
    title: z.string(),
    status: z.int().min(400).max(599),
    detail: z.string(),
    instance: z.string().max(200).meta({ description: "The request's own path, capped" }),
    request_id: z.string().meta({ description: 'Also sent as the X-Request-ID header' }),
    errors: z
      .array(z.strictObject({ field: z.string(), message: z.string() }))
      .optional()
      .meta({ description: 'Only on 422: which field broke which rule, never the value' }),
  }),
);

export const user = named(
  'User',
  'The public user object: never a hash, secret or internal column.',
  z.strictObject({
    id: uuid,
    username: z.string(),
    email: z.email(),
    email_verified: z
      .boolean()
      .meta({ description: 'Whether the owner followed a verification link sent to `email`' }),
    full_name: z.string().nullable(),
    role,
    is_active: z.boolean(),
    created_at: instant,
  }),
);

export const userSettings = named(
  'UserSettings',
  'What the owner chose for their account; shown only to them.',
  z.strictObject({
    sign_in_alerts: z.boolean().meta({
      description: 'Whether a sign-in from a browser not seen before mails the owner',
    }),
  }),
);

export const forgotPasswordAccepted = named(
  'ForgotPasswordAccepted',
  'The same answer for every address, with or without an account.',
  z.strictObject({ message: z.string() }),
);

export const userList = named(
  'UserList',
  'One page of users, ordered by created_at then id.',
  z.strictObject({
    users: z.array(user),
    total: z.int().min(0),
    page: z.int().min(1),
    per_page: z.int().min(1).max(100),
    pages: z.int().min(0),
  }),
);

const tokenFields = {
  access_token: z
    .string()
    .meta({ description: 'EdDSA-signed JWT; send as `Authorization: Bearer`' }),
  token_type: z.literal('bearer'),
  expires_in: z.int().min(1).meta({ description: 'Seconds until the access token expires' }),
};

export const tokenResponse = named(
  'TokenResponse',
  'A fresh access token. Where a session starts or rotates, the refresh_token cookie is set too.',
  z.strictObject(tokenFields),
);

export const mfaChallenge = named(
  'MfaChallenge',
  'Password accepted, second factor required: send the mfa_token and a code to /login/2fa.',
  z.strictObject({ mfa_required: z.literal(true), mfa_token: z.string() }),
);

export const session = named(
  'Session',
  'One of your sessions (a refresh-token family).',
  z.strictObject({
    id: uuid,
    created_at: instant,
    last_used_at: instant,
    expires_at: instant,
    user_agent: z.string().nullable(),
    current: z.boolean().meta({ description: 'The session of the token that asked' }),
  }),
);

export const sessionList = named(
  'SessionList',
  'Your active sessions.',
  z.strictObject({ sessions: z.array(session) }),
);

export const twoFactorSetup = named(
  'TwoFactorSetup',
  'A new TOTP seed, shown once; two-factor is on only after /2fa/verify.',
  z.strictObject({
    secret: z.string().meta({ description: 'Base32 TOTP seed' }),
    otpauth_url: z.string().startsWith('otpauth://totp/'),
    qr_code: z.string().startsWith('data:image/png;base64,'),
  }),
);

export const backupCodes = named(
  'BackupCodes',
  'Single-use backup codes, shown once; any earlier set stops working.',
  z.strictObject({ backup_codes: z.array(z.string()).length(10) }),
);

export const twoFactorEnabled = named(
  'TwoFactorEnabled',
  'Two-factor is on: backup codes, and a new access token (every other session has ended).',
  z.strictObject({ backup_codes: backupCodes.shape.backup_codes, ...tokenFields }),
);

export const apiKey = named(
  'ApiKey',
  'An API key as listed: its public prefix, never its secret.',
  z.strictObject({
    id: uuid,
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(z.enum(PERMISSIONS)),
    created_at: instant,
    expires_at: instant.nullable(),
    last_used_at: instant.nullable(),
  }),
);

export const newApiKey = named(
  'NewApiKey',
  'A new API key: `key` is shown in this response only, send it as the X-API-Key header.',
  apiKey.extend({ key: z.string().regex(/^sk_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/) }),
);

export const apiKeyList = named(
  'ApiKeyList',
  'Your live API keys.',
  z.strictObject({ api_keys: z.array(apiKey) }),
);

export const jwks = named(
  'Jwks',
  'Public Ed25519 keys of auth-service; the newest signs, all verify.',
  z.strictObject({
    keys: z.array(
      z.strictObject({
        kty: z.literal('OKP'),
        crv: z.literal('Ed25519'),
        x: z.string(),
        kid: z.string(),
        alg: z.literal('EdDSA'),
        use: z.literal('sig'),
      }),
    ),
  }),
);

export const securityPolicy = named(
  'SecurityPolicy',
  'The runtime security policy (lockout, password policy, login rate limit).',
  securityPolicySchema,
);

export const userCounts = z.strictObject({
  total: z.int().min(0),
  by_role: z.record(role, z.int().min(0)),
  active: z.int().min(0),
  inactive: z.int().min(0),
});

export const adminStats = named(
  'AdminStats',
  'Counts of users, and of security events of the last 24 hours by type (every type listed).',
  z.strictObject({ users: userCounts, events_last_24h: z.record(z.string(), z.int().min(0)) }),
);

export const auditEvent = named(
  'AuditEvent',
  'A stored security event: its envelope, and where it sits in the hash chain.',
  eventEnvelopeSchema.extend({
    seq: z.int().min(1),
    prev_hash: z.string().regex(/^[0-9a-f]{64}$/),
    hash: z.string().regex(/^[0-9a-f]{64}$/),
    stored_at: instant,
  }),
);

export const auditPage = named(
  'AuditPage',
  'Newest first; pass next_cursor as `cursor` for the next page (null: there is none).',
  z.strictObject({ events: z.array(auditEvent), next_cursor: z.string().nullable() }),
);

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

export const checkpoint = named(
  'AuditCheckpoint',
  'Signed by audit-service: at `at`, the chain reached `seq`, whose hash was `hash`. The signature ' +
    '(Ed25519, base64url) covers "secure-api audit checkpoint v1\\n" followed by the canonical ' +
    'JSON of {id, seq, hash, at}; `kid` is the RFC 7638 thumbprint of the signing key.',
  z.strictObject({
    id: z.int().min(1),
    seq: z.int().min(1),
    hash: sha256Hex,
    at: instant,
    kid: z.string(),
    signature: z.string(),
  }),
);

const checkpointProblem = z
  .strictObject({
    id: z.int().min(0),
    seq: z.int().min(0),
    reason: z.enum(['bad_signature', 'unknown_key', 'missing', 'chain_truncated', 'hash_mismatch']),
  })
  .nullable()
  .meta({ description: 'A checkpoint that cannot be trusted: itself evidence of tampering.' });

export const chainVerification = named(
  'ChainVerification',
  'The verdict on the rows checked (from `from_seq` to the head), and on the checkpoint trusted.',
  z.strictObject({
    valid: z.boolean(),
    checked: z.int().min(0),
    first_bad_id: uuid.nullable(),
    from_seq: z.int().min(1),
    checkpoint: checkpoint.nullable(),
    checkpoint_problem: checkpointProblem,
  }),
);

export const verifyJob = named(
  'AuditVerifyJob',
  'A full re-walk of the chain and its checkpoints; `result` once `state` is `done`.',
  z.strictObject({
    id: uuid,
    state: z.enum(['running', 'done', 'failed']),
    checked: z.int().min(0),
    total: z.int().min(0),
    result: chainVerification.nullable(),
    started_at: instant,
    finished_at: instant.nullable(),
  }),
);

export const checkpointExport = named(
  'AuditCheckpointPage',
  'Checkpoints by id, with the public keys that verify them; pass next_after_id as `after_id`.',
  z.strictObject({
    keys: z.array(
      z.strictObject({
        kty: z.literal('OKP'),
        crv: z.literal('Ed25519'),
        x: z.string(),
        kid: z.string(),
      }),
    ),
    checkpoints: z.array(checkpoint),
    next_after_id: z.int().nullable(),
  }),
);

export const chainSegment = named(
  'AuditChainSegment',
  'Rows by seq, each event exactly as hashed; pass next_after_seq as `after_seq`.',
  z.strictObject({
    events: z.array(
      z.strictObject({
        seq: z.int().min(1),
        prev_hash: sha256Hex,
        hash: sha256Hex,
        event: z.record(z.string(), z.unknown()),
      }),
    ),
    next_after_seq: z.int().nullable(),
  }),
);

export const health = named(
  'Health',
  "The gateway's public liveness: status and version, nothing internal.",
  z.strictObject({ status: z.literal('healthy'), version: z.string() }),
);

// Drift guards: the documented keys are exactly the keys the services send.
type SameKeys<A, B> = [keyof A] extends [keyof B]
  ? [keyof B] extends [keyof A]
    ? true
    : never
  : never;
type Out<T extends z.ZodType> = z.output<T>;

export const documentedShapesMatchTheServices: true[] = [
  true satisfies SameKeys<Out<typeof problem>, ProblemBody>,
  true satisfies SameKeys<Out<typeof user>, PublicUser>,
  true satisfies SameKeys<Out<typeof userSettings>, UserSettings>,
  true satisfies SameKeys<Out<typeof session>, SessionView>,
  true satisfies SameKeys<Out<typeof apiKey>, ApiKeyView>,
  true satisfies SameKeys<Out<typeof adminStats>, AdminStats>,
  true satisfies SameKeys<Out<typeof userCounts>, AdminStats['users']>,
  true satisfies SameKeys<Out<typeof chainVerification>, ChainVerification>,
  true satisfies SameKeys<Out<typeof checkpoint>, SignedCheckpoint>,
  true satisfies SameKeys<Out<typeof verifyJob>, VerifyJob>,
];
