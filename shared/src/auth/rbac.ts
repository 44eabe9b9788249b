export const ROLES = ['admin', 'moderator', 'user', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'users:read',
  'users:write',
  'users:delete',
  'self:read',
  'self:write',
  'content:read',
  'content:write',
  'content:delete',
  'admin:read',
  'admin:write',
  'system:manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Who may do what, enforced at the gateway and again in the owning service. */
const ROLE_PERMISSIONS: ReadonlyMap<Role, ReadonlySet<Permission>> = new Map<
  Role,
  ReadonlySet<Permission>
>([
  ['admin', new Set(PERMISSIONS)],
  [
    'moderator',
    new Set<Permission>([
      'users:read',
      'users:write',
      'self:read',
      'self:write',
      'content:read',
      'content:write',
      'content:delete',
    ]),
  ],
  ['user', new Set<Permission>(['self:read', 'self:write', 'content:read', 'content:write'])],
  ['viewer', new Set<Permission>(['self:read', 'content:read'])],
]);

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function permissionsOf(role: Role): Permission[] {
  return [...(ROLE_PERMISSIONS.get(role) ?? [])];
}

export function hasPermission(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS.get(role)?.has(permission) ?? false;
}

/**
 * Who may hand out which role (on create, or act on an account of that role): admins any role;
 * anyone else at most `user` — nobody below admin can mint a moderator or admin.
 */
export function canManageRole(actor: Role, target: Role): boolean {
  if (actor === 'admin') return true;
  return target === 'user' || target === 'viewer';
}
