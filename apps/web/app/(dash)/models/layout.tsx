import type { ReactNode } from 'react';
import { OPERATOR_LINKS } from '@/ui/nav-links';
import { SubNav } from '@/ui/sub-nav';

/** The operator's pages, one click from each other. */
export default function OperatorLayout({ children }: { children: ReactNode }) {
  return (
    <>
      <SubNav label="Operator pages" links={OPERATOR_LINKS} />
      {children}
    </>
  );
}
