import type { z } from 'zod';

import {
  INSTANT_RANGE,
  listAuditSchemas,
  noQuerySchemas,
} from '../../audit-service/src/api/schemas/audit.schemas.js';
import {
  chainSegmentSchemas,
  checkpointsSchemas,
  jobSchemas,
  startJobSchemas,
} from '../../audit-service/src/api/schemas/verification.schemas.js';
import { updatePolicySchema } from '../../auth-service/src/api/schemas/admin.schemas.js';
import {
  apiKeyIdSchema,
  backupCodesSchema,
  changePasswordSchema,
  codeSchema,
  createAccountSchema,
  createApiKeySchema,
  disableTwoFactorSchema,
  idParamSchema,
  loginSchema,
  mfaLoginSchema,
  registerSchema,
  rotateApiKeySchema,
  stepUpSchema,
} from '../../auth-service/src/api/schemas/auth.schemas.js';
import {
  updateMeSchemas,
  updateSettingsSchemas,
} from '../../user-service/src/api/schemas/me.schemas.js';
import {
  changeRoleSchemas,
  changeStatusSchemas,
  deleteUserSchemas,
  getUserSchemas,
  listUsersSchemas,
} from '../../user-service/src/api/schemas/users.schemas.js';
import type { RouteKey } from '../../gateway/src/domain/route-table.js';
import { recoveryOperations } from './recovery-operations.js';
import * as shapes from './schemas.js';

/** What the gateway answers itself (gateway/src/api/routes), outside its route table. */
export type GatewayRouteKey = 'GET /health';

/**
 * One route's documentation. Method, path, owner, access and rate limit are the route table's:
 * an operation is keyed by its `RouteKey`, and the compiler wants exactly one per route.
 */
export interface Operation {
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  /** The owning service's own validation schemas for this endpoint. */
  request?: { params?: z.ZodType; query?: z.ZodType; body?: z.ZodType };
  /** auth-service refuses tokens minted for API keys here: a person must ask. */
  personOnly?: boolean;
  refreshCookie?: 'required' | 'optional';
  success: {
    status: number;
    description: string;
    /** Registered response shapes; more than one is a oneOf. */
    schemas?: z.ZodType[];
    setsRefreshCookie?: boolean;
  };
  /** Errors the owner answers beyond those the route's shape implies (see document.ts). */
  errors?: number[];
}

type Docs = Partial<Record<RouteKey | GatewayRouteKey, Operation>>;

// The step-up answer, said once for every route that asks for the password again.
const STEP_UP =
  'Needs `password` (step-up): a wrong one is a 401 "Invalid password" (type `invalid-password`, ' +
  'no WWW-Authenticate) and counts as a failed login toward the account lock.';

const tokens = (description: string) => ({
  status: 200,
  description,
  schemas: [shapes.tokenResponse],
});

const auth = {
  'POST /api/v1/auth/register': {
    operationId: 'register',
    tag: 'auth',
    summary: 'Create an account (role user)',
    description:
      'A taken email or username gets the same 400 "Unable to create account with provided ' +
      'information"; a weak password gets a 400 naming the rule. Limited per client address.',
    request: registerSchema,
    success: { status: 201, description: 'The new user', schemas: [shapes.user] },
    errors: [503],
  },
  'POST /api/v1/auth/login': {
    operationId: 'login',
    tag: 'auth',
    summary: 'Log in with email and password',
    description:
      'Every refusal (unknown email, wrong password, locked or inactive account) is the same 401 ' +
      '"Invalid email or password". With two-factor on, answers an MfaChallenge instead of tokens. ' +
      'A browser that shows the device cookie of an earlier full login to this account is not held ' +
      'by the account lock, only by its own failure counter. A full hashing queue, or one that would keep the login waiting longer than HASH_QUEUE_MAX_WAIT_MS, is a 503 with Retry-After.',
    request: loginSchema,
    success: {
      status: 200,
      description: 'Tokens and the refresh cookie, or the second-factor challenge',
      schemas: [shapes.tokenResponse, shapes.mfaChallenge],
      setsRefreshCookie: true,
    },
    errors: [401, 503],
  },
  'POST /api/v1/auth/login/2fa': {
    operationId: 'loginSecondFactor',
    tag: 'auth',
    summary: 'Complete a login with a TOTP or backup code',
    description:
      'Every refusal is the same 401 "Invalid or expired code": at most 5 codes per mfa_token and ' +
      '10 wrong codes per account per 15 minutes, across all mfa_tokens. The mfa_token lives 5 ' +
      "minutes and is single use; the access token's `amr` is `[pwd, otp]`.",
    request: mfaLoginSchema,
    success: { ...tokens('Tokens and the refresh cookie'), setsRefreshCookie: true },
    errors: [401],
  },
  'POST /api/v1/auth/refresh': {
    operationId: 'refresh',
    tag: 'auth',
    summary: 'Rotate the refresh cookie for a new access token',
    description:
      'Presenting a refresh token that was already rotated revokes the whole session. A foreign ' +
      'Origin is refused with 403.',
    refreshCookie: 'required',
    success: {
      ...tokens('A new access token and a rotated refresh cookie'),
      setsRefreshCookie: true,
    },
    errors: [401, 403],
  },
  'POST /api/v1/auth/logout': {
    operationId: 'logout',
    tag: 'auth',
    summary: 'End this session and the presented access token',
    description:
      'Needs the refresh cookie, a bearer token, or both. The cookie always ends its own session, ' +
      'whatever bearer comes with it (expired, revoked or malformed); a bearer sent alone must be ' +
      'valid. A foreign Origin gets 403.',
    refreshCookie: 'optional',
    success: { status: 204, description: 'Logged out; the refresh cookie is cleared' },
    errors: [403],
  },
  'POST /api/v1/auth/logout-all': {
    operationId: 'logoutAll',
    tag: 'auth',
    summary: 'End every session of the caller',
    personOnly: true,
    success: { status: 204, description: 'Every session ended' },
  },
  'GET /.well-known/jwks.json': {
    operationId: 'getJwks',
    tag: 'auth',
    summary: 'Public signing keys (JWKS)',
    description: 'Every Ed25519 key of the ring; the newest signs.',
    success: { status: 200, description: 'The public keys', schemas: [shapes.jwks] },
  },
  'POST /api/v1/users/me/change-password': {
    operationId: 'changePassword',
    tag: 'auth',
    summary: 'Change your password',
    description:
      'Ends every other session and every older access token. A wrong `current_password` counts ' +
      'as a failed login; while the account is locked the right one is refused the same way.',
    personOnly: true,
    request: changePasswordSchema,
    success: tokens('A fresh access token for the caller'),
    errors: [400],
  },
} satisfies Docs;

const sessions = {
  'GET /api/v1/auth/sessions': {
    operationId: 'listSessions',
    tag: 'sessions',
    summary: 'List your active sessions',
    personOnly: true,
    success: { status: 200, description: 'Your sessions', schemas: [shapes.sessionList] },
  },
  'DELETE /api/v1/auth/sessions/{id}': {
    operationId: 'endSession',
    tag: 'sessions',
    summary: 'End one of your sessions',
    description: "Someone else's session id is a 404.",
    personOnly: true,
    request: idParamSchema,
    success: { status: 204, description: 'The session is revoked' },
  },
} satisfies Docs;

const twoFactor = {
  'POST /api/v1/auth/2fa/setup': {
    operationId: 'setupTwoFactor',
    tag: 'two-factor',
    summary: 'Start two-factor enrolment',
    description: `The seed is stored sealed with AES-256-GCM. ${STEP_UP}`,
    personOnly: true,
    request: stepUpSchema,
    success: { status: 200, description: 'A new seed', schemas: [shapes.twoFactorSetup] },
    errors: [400],
  },
  'POST /api/v1/auth/2fa/verify': {
    operationId: 'verifyTwoFactor',
    tag: 'two-factor',
    summary: 'Turn two-factor on with a first TOTP code',
    personOnly: true,
    request: codeSchema,
    success: { status: 200, description: 'Enabled', schemas: [shapes.twoFactorEnabled] },
  },
  'POST /api/v1/auth/2fa/disable': {
    operationId: 'disableTwoFactor',
    tag: 'two-factor',
    summary: 'Turn two-factor off (password and a code)',
    description: 'Every other session ends.',
    personOnly: true,
    request: disableTwoFactorSchema,
    success: tokens('Disabled; a new access token for the caller'),
  },
  'POST /api/v1/auth/2fa/backup-codes': {
    operationId: 'regenerateBackupCodes',
    tag: 'two-factor',
    summary: 'Replace your backup codes',
    description: `The old codes stop working. ${STEP_UP}`,
    personOnly: true,
    request: backupCodesSchema,
    success: { status: 200, description: 'The new codes', schemas: [shapes.backupCodes] },
  },
} satisfies Docs;

const apiKeys = {
  'GET /api/v1/auth/api-keys': {
    operationId: 'listApiKeys',
    tag: 'api-keys',
    summary: 'List your API keys',
    personOnly: true,
    success: { status: 200, description: 'Your live keys', schemas: [shapes.apiKeyList] },
  },
  'POST /api/v1/auth/api-keys': {
    operationId: 'createApiKey',
    tag: 'api-keys',
    summary: 'Create an API key',
    description: `Scopes beyond what your role may do are refused with 403. ${STEP_UP}`,
    personOnly: true,
    request: createApiKeySchema,
    success: { status: 201, description: 'The key, shown once', schemas: [shapes.newApiKey] },
    errors: [403],
  },
  'DELETE /api/v1/auth/api-keys': {
    operationId: 'revokeAllApiKeys',
    tag: 'api-keys',
    summary: 'Revoke every one of your API keys',
    description: `Rotated-out keys still in their grace period included; each stops at once. ${STEP_UP}`,
    personOnly: true,
    request: stepUpSchema,
    success: { status: 204, description: 'Every key revoked' },
  },
  'DELETE /api/v1/auth/api-keys/{keyId}': {
    operationId: 'revokeApiKey',
    tag: 'api-keys',
    summary: 'Revoke one of your API keys',
    description: 'Effective at once, also for a request already in flight.',
    personOnly: true,
    request: apiKeyIdSchema,
    success: { status: 204, description: 'Revoked at once' },
  },
  'POST /api/v1/auth/api-keys/{keyId}/rotate': {
    operationId: 'rotateApiKey',
    tag: 'api-keys',
    summary: 'Replace an API key with a new one',
    description:
      'The old key keeps working until the rotation grace period ' +
      '(`API_KEY_ROTATION_GRACE_SECONDS`, default 0) ends. ' +
      STEP_UP,
    personOnly: true,
    request: rotateApiKeySchema,
    success: { status: 201, description: 'The new key, shown once', schemas: [shapes.newApiKey] },
  },
} satisfies Docs;

const users = {
  'GET /api/v1/users/me': {
    operationId: 'getMe',
    tag: 'users',
    summary: 'Your user object',
    success: { status: 200, description: 'You', schemas: [shapes.user] },
    errors: [404],
  },
  'PUT /api/v1/users/me': {
    operationId: 'updateMe',
    tag: 'users',
    summary: 'Change your name, alert preference or email',
    description:
      'A new `email` needs `current_password`, checked first: a wrong one is the same 400 whether ' +
      'the new email is taken or free. The address does not change yet: the answer is a 202, the ' +
      'new address gets a confirmation link and the current one a notice with a link that cancels ' +
      '(or undoes) the change and ends every session; until the link is followed, login uses the ' +
      'current address. Any other field (role, is_active, ...) is a 422.',
    request: updateMeSchemas,
    success: {
      status: 200,
      description: 'You, updated (202, unchanged email, when an email change was requested)',
      schemas: [shapes.user],
    },
    errors: [404, 503],
  },
  'GET /api/v1/users/me/settings': {
    operationId: 'getMySettings',
    tag: 'users',
    summary: 'Your account settings',
    description: 'Yours alone: not part of the user object, which an admin also reads.',
    success: { status: 200, description: 'Your settings', schemas: [shapes.userSettings] },
    errors: [404],
  },
  'PUT /api/v1/users/me/settings': {
    operationId: 'updateMySettings',
    tag: 'users',
    summary: 'Change your account settings',
    description: 'Also accepted by PUT /users/me, which answers the user object instead.',
    request: updateSettingsSchemas,
    success: { status: 200, description: 'Your settings, updated', schemas: [shapes.userSettings] },
    errors: [404],
  },
  'GET /api/v1/users': {
    operationId: 'listUsers',
    tag: 'users',
    summary: 'List users, a page at a time',
    request: listUsersSchemas,
    success: { status: 200, description: 'One page', schemas: [shapes.userList] },
  },
  'POST /api/v1/users': {
    operationId: 'createUser',
    tag: 'users',
    summary: 'Create an account for someone',
    description:
      'Non-admins may only create `user` and `viewer` accounts (403 otherwise). Owned by ' +
      'auth-service: an account with a password is a credential first.',
    request: createAccountSchema,
    success: { status: 201, description: 'The new user', schemas: [shapes.user] },
    errors: [400],
  },
  'GET /api/v1/users/{id}': {
    operationId: 'getUser',
    tag: 'users',
    summary: 'A user by id',
    request: getUserSchemas,
    success: { status: 200, description: 'The user', schemas: [shapes.user] },
  },
  'DELETE /api/v1/users/{id}': {
    operationId: 'deleteUser',
    tag: 'users',
    summary: 'Delete a user',
    description:
      'Not yourself. Credentials, sessions and API keys go too, and the tokens stop at once.',
    request: deleteUserSchemas,
    success: { status: 204, description: 'Deleted' },
  },
  'PATCH /api/v1/users/{id}/role': {
    operationId: 'changeUserRole',
    tag: 'users',
    summary: "Change a user's role",
    description: "Not your own. Revokes the user's tokens at once.",
    request: changeRoleSchemas,
    success: { status: 200, description: 'The user, updated', schemas: [shapes.user] },
  },
  'PATCH /api/v1/users/{id}/status': {
    operationId: 'changeUserStatus',
    tag: 'users',
    summary: 'Activate or deactivate a user',
    description:
      'Not your own; non-admins only on `user`/`viewer` accounts. Deactivation ends every ' +
      'session, access token and API key of the account for good: reactivation revives none.',
    request: changeStatusSchemas,
    success: { status: 200, description: 'The user, updated', schemas: [shapes.user] },
  },
} satisfies Docs;

const admin = {
  'GET /api/v1/admin/stats': {
    operationId: 'getAdminStats',
    tag: 'admin',
    summary: 'Counts of users and of recent security events',
    description: 'The user counts are asked of user-service.',
    request: noQuerySchemas,
    success: { status: 200, description: 'The counts', schemas: [shapes.adminStats] },
  },
  'GET /api/v1/admin/config': {
    operationId: 'getSecurityPolicy',
    tag: 'admin',
    summary: 'The runtime security policy',
    success: { status: 200, description: 'The policy in force', schemas: [shapes.securityPolicy] },
  },
  'PUT /api/v1/admin/config': {
    operationId: 'updateSecurityPolicy',
    tag: 'admin',
    summary: 'Change the runtime security policy',
    description:
      'Top-level settings are optional; a nested object is given whole. In force on every ' +
      'replica within a second.',
    request: updatePolicySchema,
    success: { status: 200, description: 'The new policy', schemas: [shapes.securityPolicy] },
  },
  'POST /api/v1/admin/users/{id}/unlock': {
    operationId: 'unlockUser',
    tag: 'admin',
    summary: 'Clear the lock of an account',
    request: idParamSchema,
    success: { status: 204, description: 'Unlocked' },
  },
  'DELETE /api/v1/admin/users/{id}/sessions': {
    operationId: 'endUserSessions',
    tag: 'admin',
    summary: 'End every session of a user',
    request: idParamSchema,
    success: { status: 204, description: 'Every session ended' },
  },
  'DELETE /api/v1/admin/users/{id}/2fa': {
    operationId: 'resetUserTwoFactor',
    tag: 'admin',
    summary: "Turn a user's two-factor off",
    description:
      'The way back for a user whose second factor was hijacked or lost: also ends every session, ' +
      'access token and API key of the user. A user without two-factor on is a 404.',
    request: idParamSchema,
    success: { status: 204, description: 'Two-factor off, every session ended' },
  },
  'GET /api/v1/admin/audit': {
    operationId: 'listAuditEvents',
    tag: 'audit',
    summary: 'Query the audit trail',
    description:
      '`user_id` matches the actor or the subject; `since`/`until` are inclusive and must lie ' +
      `${INSTANT_RANGE} (422 otherwise).`,
    request: listAuditSchemas,
    success: { status: 200, description: 'One page of events', schemas: [shapes.auditPage] },
  },
  'GET /api/v1/admin/audit/verify': {
    operationId: 'verifyAuditChain',
    tag: 'audit',
    summary: 'Verify what the audit chain gained since the last checkpoint',
    description:
      'Proves the newest checkpoint (its signature, and the row at its seq), walks only the rows ' +
      'after it and signs a new checkpoint at the head. Rows before the checkpoint are checked by ' +
      'the full re-walk (`POST /api/v1/admin/audit/verify/jobs`).',
    request: noQuerySchemas,
    success: { status: 200, description: 'The verdict', schemas: [shapes.chainVerification] },
  },
  'POST /api/v1/admin/audit/verify/jobs': {
    operationId: 'startAuditFullVerification',
    tag: 'audit',
    summary: 'Start a full re-walk of the audit chain and its checkpoints',
    description:
      'Runs in the background, one at a time across replicas (409 while one runs, with its ' +
      '`Location`). `Location` names the job to poll.',
    request: startJobSchemas,
    success: { status: 202, description: 'Started', schemas: [shapes.verifyJob] },
    errors: [409],
  },
  'GET /api/v1/admin/audit/verify/jobs/{id}': {
    operationId: 'getAuditFullVerification',
    tag: 'audit',
    summary: 'Progress and result of a full re-walk',
    request: jobSchemas,
    success: { status: 200, description: 'The job', schemas: [shapes.verifyJob] },
  },
  'GET /api/v1/admin/audit/checkpoints': {
    operationId: 'exportAuditCheckpoints',
    tag: 'audit',
    summary: 'Export the signed checkpoints and their public keys',
    description:
      'With `GET /api/v1/admin/audit/chain`, what `npm run audit:check-export` checks offline.',
    request: checkpointsSchemas,
    success: { status: 200, description: 'One page', schemas: [shapes.checkpointExport] },
  },
  'GET /api/v1/admin/audit/chain': {
    operationId: 'exportAuditChain',
    tag: 'audit',
    summary: 'Export a segment of the audit chain, events exactly as hashed',
    request: chainSegmentSchemas,
    success: { status: 200, description: 'One page', schemas: [shapes.chainSegment] },
  },
} satisfies Docs;

const gateway = {
  'GET /health': {
    operationId: 'getHealth',
    tag: 'operations',
    summary: 'Gateway liveness',
    success: { status: 200, description: 'Healthy', schemas: [shapes.health] },
  },
} satisfies Docs;

/** Every public operation, in the order the document lists them. */
export const OPERATIONS: Readonly<Record<RouteKey | GatewayRouteKey, Operation>> = {
  ...gateway,
  ...auth,
  ...sessions,
  ...twoFactor,
  ...recoveryOperations,
  ...apiKeys,
  ...users,
  ...admin,
};
