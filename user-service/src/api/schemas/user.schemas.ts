import { z } from 'zod';

import { ROLES } from '@secure-api/shared/auth';
import { toPublicUser, type PublicUser, type UserProfile } from '@secure-api/shared/contracts';

import type { User, UserSettings } from '../../domain/user.js';

export const userId = z.uuid({ error: 'Expected a UUID' });

export {
  emailField as email,
  fullNameField as fullName,
  usernameField as username,
} from '@secure-api/shared/accounts';

export const role = z.enum(ROLES);

export const idParams = z.strictObject({ id: userId });

/** The public user object, built field by field so no other column can slip out. */
export function presentUser(user: User): PublicUser {
  return toPublicUser({ ...user, created_at: user.created_at.toISOString() });
}

/** What another service reads over /internal/users: the public user and the settings it acts on. */
export function presentProfile(user: User): UserProfile {
  return { ...presentUser(user), sign_in_alerts: user.sign_in_alerts };
}

/** The owner's settings (GET/PUT /api/v1/users/me/settings), field by field. */
export function presentSettings(user: User): UserSettings {
  return { sign_in_alerts: user.sign_in_alerts };
}
