import Link from 'next/link';
import { serverCaller, sessionForArea } from '@/server/session';
import { Input, NoAccess, PageHeader } from '@/ui/kit';

export const dynamic = 'force-dynamic';

type Search = {
  action?: string;
  target?: string;
  type?: string;
  actor?: string;
  from?: string;
  to?: string;
  cursor?: string;
};

/** `consent.` (trailing dot) filters by prefix; anything else is an exact action. */
const actionFilter = (action?: string) =>
  !action ? {} : action.endsWith('.') ? { actionPrefix: action } : { action };
/** <input type="date"> values as ISO; `to` is inclusive of its whole day. */
const dayIso = (day: string | undefined, endOfDay: boolean) => {
  const d = day ? new Date(`${day}T00:00:00.000Z`) : null;
  if (!d || Number.isNaN(d.getTime())) return undefined;
  if (endOfDay) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString();
};

const json = (value: unknown) =>
  value === null || value === undefined ? '—' : JSON.stringify(value);

export default async function AuditPage({ searchParams }: { searchParams: Promise<Search> }) {
  const session = await sessionForArea('audit');
  if (!session) return <NoAccess />;
  const search = await searchParams;
  const caller = await serverCaller(session);
  const cursor = Number(search.cursor);
  const filter = {
    ...actionFilter(search.action?.trim()),
    targetId: search.target?.trim() || undefined,
    targetType: search.type?.trim() || undefined,
    actorId: search.actor?.trim() || undefined,
    from: dayIso(search.from, false),
    to: dayIso(search.to, true),
  };
  const csvQuery = new URLSearchParams(
    Object.entries(filter).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
  const page = await caller.audit.list({
    ...filter,
    cursor: Number.isInteger(cursor) && cursor > 0 ? cursor : undefined,
    limit: 100,
  });
  const next = new URLSearchParams({ ...search, cursor: String(page.nextCursor ?? '') });
  return (
    <section>
      <PageHeader title="Audit log">
        <form className="flex gap-2" role="search">
          <Input
            name="action"
            placeholder="action, or prefix: consent."
            defaultValue={search.action}
            className="w-48"
          />
          <Input
            name="type"
            placeholder="target type, e.g. consent"
            defaultValue={search.type}
            className="w-44"
          />
          <Input
            name="target"
            placeholder="target id"
            defaultValue={search.target}
            className="w-40"
          />
          <Input name="actor" placeholder="actor id" defaultValue={search.actor} className="w-32" />
          <Input
            name="from"
            type="date"
            aria-label="From"
            defaultValue={search.from}
            className="w-36"
          />
          <Input name="to" type="date" aria-label="To" defaultValue={search.to} className="w-36" />
          <button
            type="submit"
            className="rounded-md px-2.5 py-1.5 text-sm ring-1 ring-slate-300 hover:bg-slate-50"
          >
            Filter
          </button>
        </form>
        <a
          href={`/api/export/audit?${csvQuery.toString()}`}
          className="rounded-md bg-indigo-600 px-2.5 py-1.5 text-sm font-medium whitespace-nowrap text-white hover:bg-indigo-500"
          data-testid="audit-csv"
        >
          Export CSV
        </a>
      </PageHeader>
      <div className="overflow-x-auto rounded-lg bg-white ring-1 ring-slate-200">
        <table className="min-w-full text-left" data-testid="audit-table">
          <thead className="border-b border-slate-200 text-xs text-slate-500 uppercase">
            <tr>
              <th className="px-3 py-2">When</th>
              <th className="px-3 py-2">Actor</th>
              <th className="px-3 py-2">Action</th>
              <th className="px-3 py-2">Target</th>
              <th className="px-3 py-2">Before</th>
              <th className="px-3 py-2">After</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 font-mono text-xs">
            {page.items.map((e) => (
              <tr key={e.id} data-action={e.action}>
                <td className="px-3 py-1.5 whitespace-nowrap">
                  {e.at.replace('T', ' ').slice(0, 19)}
                </td>
                <td className="px-3 py-1.5">{e.actorLabel}</td>
                <td className="px-3 py-1.5">{e.action}</td>
                <td className="px-3 py-1.5">
                  {e.targetType}
                  {e.targetId ? `:${e.targetId.slice(0, 8)}` : ''}
                </td>
                <td className="max-w-xs truncate px-3 py-1.5" title={json(e.before)}>
                  {json(e.before)}
                </td>
                <td className="max-w-xs truncate px-3 py-1.5" title={json(e.after)}>
                  {json(e.after)}
                </td>
              </tr>
            ))}
            {page.items.length === 0 ? (
              <tr>
                <td colSpan={6} className="px-3 py-6 text-center text-slate-500">
                  No entries.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      {page.nextCursor ? (
        <Link
          className="mt-3 inline-block text-indigo-700 hover:underline"
          href={`/audit?${next.toString()}`}
        >
          Older entries →
        </Link>
      ) : null}
    </section>
  );
}
