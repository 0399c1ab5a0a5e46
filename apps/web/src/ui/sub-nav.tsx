'use client';
// Links between the pages of one area (Generation: requests, routing, metrics, strength; Review:
// queue, adjudication, history), so no page is a dead end.
import Link from 'next/link';
import { usePathname } from 'next/navigation';

import type { TSubLink } from './nav-links';

export function SubNav({ label, links }: { label: string; links: TSubLink[] }) {
  const pathname = usePathname();
  // the longest link that prefixes the path is the current one (/generation vs /generation/123)
  const current = links
    .filter((l) => pathname === l.href || pathname.startsWith(`${l.href}/`))
    .sort((a, b) => b.href.length - a.href.length)[0]?.href;
  return (
    <nav aria-label={label} className="relative mb-4 overflow-x-auto border-b border-slate-200">
      <ul className="flex gap-1 text-sm whitespace-nowrap">
        {links.map((l) => {
          const on = l.href === current;
          return (
            <li key={l.href}>
              <Link
                href={l.href}
                aria-current={on ? 'page' : undefined}
                className={`inline-block border-b-2 px-3 py-2 ${
                  on
                    ? 'border-indigo-600 font-medium text-indigo-700'
                    : 'border-transparent text-slate-600 hover:text-slate-900'
                }`}
              >
                {l.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
