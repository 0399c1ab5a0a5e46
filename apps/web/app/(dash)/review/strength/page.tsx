import { roleCan } from '@musar/auth/permissions';
import { requireSession } from '@/server/session';
import { NoAccess, PageHeader } from '@/ui/kit';
import { StrengthTable } from './strength-table';

export const dynamic = 'force-dynamic';

/** Operators (routing:read): reviewers' routing-weight feedback per routing config. */
export default async function StrengthPage() {
  const session = await requireSession();
  if (!roleCan(session.user.role, { routing: ['read'] })) return <NoAccess />;
  return (
    <section>
      <PageHeader title="Routing strength suggestions" />
      <StrengthTable />
    </section>
  );
}
