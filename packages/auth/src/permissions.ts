// Who may do what. One statement per capability; each role is granted a subset. The API checks
// these on the server; the web app only uses them to hide what a role may not do.
import { createAccessControl } from 'better-auth/plugins/access';
import { adminAc, defaultStatements } from 'better-auth/plugins/admin/access';

export const ROLES = ['admin', 'operator', 'reviewer'] as const;
export type Role = (typeof ROLES)[number];

export const statement = {
  ...defaultStatements, // user.* and session.* of the admin plugin
  subject: ['read', 'create', 'update', 'erase'],
  consent: ['read', 'grant', 'revoke'],
  audit: ['read'],
  routing: ['read', 'write'],
  generation: ['read', 'create', 'cancel'],
  model: ['read', 'train', 'promote', 'rollback'],
  review: ['read', 'decide'],
} as const;

export type Statement = typeof statement;
/** e.g. `{ consent: ['grant'] }` */
export type Permission = { [K in keyof Statement]?: Statement[K][number][] };

export const ac = createAccessControl(statement);

export const roles = {
  /** users, subjects, consent, audit */
  admin: ac.newRole({
    ...adminAc.statements,
    subject: ['read', 'create', 'update', 'erase'],
    consent: ['read', 'grant', 'revoke'],
    audit: ['read'],
  }),
  /** routing configs, generation requests, retraining, model promotion */
  operator: ac.newRole({
    subject: ['read'],
    consent: ['read'],
    routing: ['read', 'write'],
    generation: ['read', 'create', 'cancel'],
    model: ['read', 'train', 'promote', 'rollback'],
  }),
  /** the review queue */
  reviewer: ac.newRole({ review: ['read', 'decide'] }),
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Whether a role holds every action listed in `permission`. Unknown roles hold nothing. */
export function roleCan(role: string | null | undefined, permission: Permission): boolean {
  if (!isRole(role)) return false;
  return roles[role].authorize(permission as never).success;
}
