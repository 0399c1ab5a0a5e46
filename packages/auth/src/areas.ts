import type { Permission } from './permissions';
import { roleCan } from './permissions';

export type Area = {
  id: 'review' | 'subjects' | 'generation' | 'models' | 'audit' | 'users' | 'credentials';
  label: string;
  href: string;
  /** Shown to roles holding this permission (the procedures behind it check their own); null:
   * shown to everyone signed in. */
  permission: Permission | null;
};

/** The dashboard's areas, in navigation order. */
export const AREAS: readonly Area[] = [
  { id: 'review', label: 'Review', href: '/review', permission: { review: ['decide'] } },
  {
    id: 'subjects',
    label: 'Subjects & consent',
    href: '/subjects',
    permission: { consent: ['grant'] },
  },
  {
    id: 'generation',
    label: 'Generation & routing',
    href: '/generation',
    permission: { generation: ['create'] },
  },
  { id: 'models', label: 'Models', href: '/models', permission: { model: ['promote'] } },
  { id: 'audit', label: 'Audit', href: '/audit', permission: { audit: ['read'] } },
  { id: 'users', label: 'Users', href: '/users', permission: { user: ['list'] } },
  /** Check an image's Content Credentials (C2PA): anyone signed in. */
  { id: 'credentials', label: 'Image credentials', href: '/credentials', permission: null },
];

export function areasFor(role: string | null | undefined): Area[] {
  return AREAS.filter((area) => area.permission === null || roleCan(role, area.permission));
}
