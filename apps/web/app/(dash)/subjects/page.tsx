import { sessionForArea } from '@/server/session';
import { NoAccess, PageHeader } from '@/ui/kit';

export const dynamic = 'force-dynamic';

export default async function SubjectsPage() {
  if (!(await sessionForArea('subjects'))) return <NoAccess />;
  return (
    <section>
      <PageHeader title="Subjects & consent" />
      <p className="max-w-prose text-slate-600">
        Subjects, their reference images and consent per scope (generate, train), with evidence,
        expiry and revocation.
      </p>
    </section>
  );
}
