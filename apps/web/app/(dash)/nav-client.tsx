'use client';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { useEffect, useState, type ReactNode } from 'react';
import { authClient } from '@musar/auth/client';
import { Button } from '@/ui/kit';

/** `g` then an area's key jumps to it (ignored while typing in a field). */
export function AreaShortcuts({ areas }: { areas: { href: string; key: string }[] }) {
  const router = useRouter();
  useEffect(() => {
    let armed = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    function onKey(event: KeyboardEvent) {
      const target = event.target as HTMLElement | null;
      if (event.metaKey || event.ctrlKey || event.altKey) return;
      if (
        target &&
        (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))
      )
        return;
      if (!armed && event.key === 'g') {
        armed = true;
        timer = setTimeout(() => (armed = false), 1200);
        return;
      }
      if (armed) {
        armed = false;
        clearTimeout(timer);
        const area = areas.find((a) => a.key === event.key);
        if (area) router.push(area.href);
      }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [areas, router]);
  return null;
}

export function SignOutButton() {
  const router = useRouter();
  return (
    <Button
      tone="ghost"
      onClick={async () => {
        await authClient.signOut();
        router.replace('/sign-in');
        router.refresh();
      }}
    >
      Sign out
    </Button>
  );
}

/** A sidebar link that marks the current area (aria-current) for sight and screen readers. */
export function NavLink({
  href,
  area,
  children,
}: {
  href: string;
  area: string;
  children: ReactNode;
}) {
  const pathname = usePathname();
  const current = pathname === href || pathname.startsWith(`${href}/`);
  return (
    <Link
      href={href}
      data-area={area}
      aria-current={current ? 'page' : undefined}
      className={`flex items-center justify-between rounded-md px-2 py-1.5 ${
        current ? 'bg-indigo-50 font-medium text-indigo-700' : 'text-slate-700 hover:bg-slate-100'
      }`}
    >
      {children}
    </Link>
  );
}

/** The navigation column: a sidebar from md up; below, a top bar whose Menu button opens the
 * areas (closed again on every navigation), so no screen scrolls sideways. */
export function NavShell({ brand, children }: { brand: ReactNode; children: ReactNode }) {
  const [open, setOpen] = useState(false);
  const pathname = usePathname();
  useEffect(() => setOpen(false), [pathname]);
  return (
    <aside className="border-b border-slate-200 bg-white md:sticky md:top-0 md:flex md:h-screen md:w-56 md:shrink-0 md:flex-col md:border-r md:border-b-0">
      <div className="flex items-center justify-between px-4 py-3">
        {brand}
        <button
          type="button"
          className="rounded-md px-2 py-1 text-sm font-medium ring-1 ring-slate-300 md:hidden"
          aria-expanded={open}
          aria-controls="area-nav"
          onClick={() => setOpen((o) => !o)}
          data-testid="nav-toggle"
        >
          {open ? 'Close' : 'Menu'}
        </button>
      </div>
      <div
        id="area-nav"
        className={`${open ? 'flex' : 'hidden'} flex-col md:flex md:min-h-0 md:flex-1`}
        data-open={open}
      >
        {children}
      </div>
    </aside>
  );
}
