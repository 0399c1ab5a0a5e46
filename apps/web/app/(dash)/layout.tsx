import Link from 'next/link';
import type { ReactNode } from 'react';
import { areasFor } from '@musar/auth/areas';
import { requireSession } from '@/server/session';
import { Badge, Kbd } from '@/ui/kit';
import { AreaShortcuts, NavLink, NavShell, SignOutButton } from './nav-client';

export const dynamic = 'force-dynamic';

/** Keys for `g` + key navigation, shown in the sidebar. */
const KEYS: Record<string, string> = {
  review: 'r',
  subjects: 's',
  generation: 'g',
  models: 'm',
  audit: 'a',
  users: 'u',
  credentials: 'c',
};

export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const { user } = await requireSession();
  const areas = areasFor(user.role).map((a) => ({
    id: a.id,
    label: a.label,
    href: a.href,
    key: KEYS[a.id] ?? '',
  }));
  return (
    <div className="min-h-screen md:flex">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:p-2">
        Skip to content
      </a>
      <NavShell
        brand={
          <Link href="/" className="font-semibold">
            MUSAR Review
          </Link>
        }
      >
        <nav aria-label="Areas" className="flex-1 overflow-y-auto px-2 pb-2">
          <ul className="space-y-0.5">
            {areas.map((area) => (
              <li key={area.id}>
                <NavLink href={area.href} area={area.id}>
                  <span>{area.label}</span>
                  <span aria-hidden className="hidden gap-0.5 md:flex">
                    <Kbd>g</Kbd>
                    <Kbd>{area.key}</Kbd>
                  </span>
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="space-y-2 border-t border-slate-200 p-3">
          <div className="truncate" title={user.email} data-testid="current-user">
            {user.email}
          </div>
          <div className="flex items-center justify-between">
            <Badge tone="indigo">{user.role}</Badge>
            <SignOutButton />
          </div>
        </div>
      </NavShell>
      <main id="main" className="min-w-0 flex-1 p-3 sm:p-4 lg:p-6">
        {children}
      </main>
      <AreaShortcuts areas={areas} />
    </div>
  );
}
