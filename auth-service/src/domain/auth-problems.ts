import { AppError, Problems } from '@secure-api/shared/http';

/** An AppError whose code the compiler knows, so a route can name the problems it returns. */
type Problem<C extends string> = AppError & { readonly code: C };

const problem = <C extends string>(status: number, code: C, detail: string) =>
  new AppError(status, code, detail) as Problem<C>;

// The shared problems keep their codes and headers (WWW-Authenticate on a 401); only the public
// detail is auth-service's own.
const unauthorized = (detail?: string) => Problems.unauthorized(detail) as Problem<'unauthorized'>;
const forbidden = (detail?: string) => Problems.forbidden(detail) as Problem<'forbidden'>;
const notFound = (detail: string) => Problems.notFound(detail) as Problem<'not-found'>;
const unavailable = (detail: string) => Problems.unavailable(detail) as Problem<'unavailable'>;

/**
 * The public failures of auth-service; details are the exact public messages. Refusals that must
 * not tell their causes apart (unknown email, wrong password, locked account) share one entry.
 */
export const AuthProblems = {
  loginRefused: () => problem(401, 'invalid-credentials', 'Invalid email or password'),
  registrationRefused: () =>
    problem(400, 'registration-refused', 'Unable to create account with provided information'),
  emailChangeRefused: () =>
    problem(400, 'update-refused', 'Unable to update account with provided information'),
  weakPassword: (detail: string) => problem(400, 'weak-password', detail),
  samePassword: () =>
    problem(400, 'weak-password', 'New password must differ from the current one'),
  /** Password change, email change, 2FA disable: a business-rule 400. */
  wrongCurrentPassword: () => problem(400, 'wrong-password', 'Current password is incorrect'),
  /** Step-up before a sensitive change. No WWW-Authenticate: the bearer itself was fine. */
  invalidPassword: () => problem(401, 'invalid-password', 'Invalid password'),
  invalidCode: () => problem(400, 'invalid-code', 'Invalid code'),
  twoFactorAlreadyEnabled: () =>
    problem(400, 'two-factor-enabled', 'Two-factor authentication is already enabled'),
  twoFactorNotEnabled: () =>
    problem(400, 'two-factor-disabled', 'Two-factor authentication is not enabled'),
  twoFactorNotStarted: () => problem(400, 'two-factor-not-started', 'Start two-factor setup first'),
  userNotFound: () => problem(404, 'not-found', 'User not found'),
  userInactive: () => problem(409, 'user-inactive', 'User is deactivated'),
  userTwoFactorNotEnabled: () =>
    problem(404, 'not-found', 'Two-factor authentication is not enabled for this user'),
  apiKeyNotFound: () => problem(404, 'not-found', 'API key not found'),
  sessionNotFound: () => notFound('Session not found'),
  /** The bearer's account or session is gone, or nothing was presented at all. */
  notAuthenticated: () => unauthorized(),
  refreshRefused: () => unauthorized('Invalid or expired refresh token'),
  mfaRefused: () => unauthorized('Invalid or expired code'),
  apiKeyRefused: () => unauthorized('Invalid or expired API key'),
  /** A mailed link (reset, verification, email change) that is unknown, used, expired or killed. */
  linkRefused: () => problem(400, 'invalid-link', 'Invalid or expired link'),
  /** A password reset of an account with 2FA on: the link alone is one factor. */
  secondFactorRequired: () =>
    problem(401, 'second-factor-required', 'A two-factor code is required'),
  /** The password was right, so telling this apart reveals nothing an attacker lacks. */
  emailNotVerified: () => problem(403, 'email-not-verified', 'Email address not verified'),
  emailAlreadyVerified: () =>
    problem(400, 'email-already-verified', 'Email address is already verified'),
  policyIncoherent: (message: string) =>
    Problems.validation([
      { field: 'password_min_length', message },
    ]) as Problem<'validation-failed'>,
  insufficientPermissions: () => forbidden(),
  /** A cookie-authenticated route called from a page of another origin. */
  originNotAllowed: () => forbidden('Origin not allowed'),
  /** Too many failed logins from one address today. */
  addressBlocked: (retryAfterSeconds: number) =>
    Problems.tooManyRequests(retryAfterSeconds) as Problem<'rate-limited'>,
  hashingBusy: (retryAfterSeconds: number) =>
    new AppError(503, 'unavailable', 'The service is busy, retry shortly', {
      headers: { 'Retry-After': String(retryAfterSeconds) },
    }) as Problem<'unavailable'>,
  securityStoreUnavailable: () =>
    unavailable('A security dependency is unavailable, retry shortly'),
};

export type AuthProblemName = keyof typeof AuthProblems;
export type AuthProblemCode = ReturnType<(typeof AuthProblems)[AuthProblemName]>['code'];
