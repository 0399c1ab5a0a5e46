import type { ReactNode } from 'react';
import { areasFor } from '@musar/auth/areas';
import { requireSession } from '@/server/session';
import { OPERATOR_LINKS, REVIEW_LINKS } from '@/ui/nav-links';
import { SubNav } from '@/ui/sub-nav';

/** Reviewers: queue, adjudication, history. Operators reach /review/strength from their pages. */
export default async function ReviewLayout({ children }: { children: ReactNode }) {
  const { user } = await requireSession();
  const areas = areasFor(user.role).map((a) => a.id);
  const links = areas.includes('review')
    ? REVIEW_LINKS
    : areas.includes('generation')
      ? OPERATOR_LINKS
      : [];
  return (
    <>
      {links.length ? (
        <SubNav label={links === REVIEW_LINKS ? 'Review pages' : 'Operator pages'} links={links} />
      ) : null}
      {children}
    </>
  );
}
