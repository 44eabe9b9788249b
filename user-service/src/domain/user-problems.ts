import { AppError, Problems } from '@secure-api/shared/http';

/** The public failures of the user domain; details are the exact public messages. */
export const UserProblems = {
  notFound: () => Problems.notFound('User not found'),
  cannotActOnSelf: (what: 'role' | 'status' | 'account') =>
    Problems.forbidden(
      what === 'account'
        ? 'You cannot delete your own account'
        : `You cannot change your own ${what}`,
    ),
  insufficientPermissions: () => Problems.forbidden(),
  conflict: () => new AppError(409, 'conflict', 'Username or email already in use'),
  emailConflict: () => new AppError(409, 'email-conflict', 'Email already in use'),
  updateRejected: (detail = 'Unable to update account with provided information') =>
    new AppError(400, 'update-rejected', detail),
  currentPasswordRequired: () =>
    Problems.validation([
      { field: 'current_password', message: 'Required when the email changes' },
    ]),
};
