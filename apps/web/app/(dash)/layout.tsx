import Link from 'next/link';
import type { ReactNode } from 'react';
import { areasFor } from '@musar/auth/areas';
import { requireSession } from '@/server/session';
import { Badge, Kbd } from '@/ui/kit';
import { AreaShortcuts, NavLink, SignOutButton } from './nav-client';

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
    <div className="flex min-h-screen">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:p-2">
        Skip to content
      </a>
      <aside className="flex w-56 shrink-0 flex-col border-r border-slate-200 bg-white">
        <div className="px-4 py-3">
          <Link href="/" className="font-semibold">
            MUSAR Review
          </Link>
        </div>
        <nav aria-label="Areas" className="flex-1 px-2">
          <ul className="space-y-0.5">
            {areas.map((area) => (
              <li key={area.id}>
                <NavLink href={area.href} area={area.id}>
                  <span>{area.label}</span>
                  <span aria-hidden className="flex gap-0.5">
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
      </aside>
      <main id="main" className="min-w-0 flex-1 p-6">
        {children}
      </main>
      <AreaShortcuts areas={areas} />
    </div>
  );
}
