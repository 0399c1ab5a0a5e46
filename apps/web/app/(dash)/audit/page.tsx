import Link from 'next/link';
import { serverCaller, sessionForArea } from '@/server/session';
import { formatWhen } from '@/ui/format';
import { EmptyState, Input, NoAccess, PageHeader, Table } from '@/ui/kit';

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
        <form className="flex flex-wrap gap-2" role="search" aria-label="Filter the audit log">
          <Input
            name="action"
            aria-label="Action"
            placeholder="action, or prefix: consent."
            defaultValue={search.action}
            className="w-48"
          />
          <Input
            name="type"
            aria-label="Target type"
            placeholder="target type, e.g. consent"
            defaultValue={search.type}
            className="w-44"
          />
          <Input
            name="target"
            aria-label="Target id"
            placeholder="target id"
            defaultValue={search.target}
            className="w-40"
          />
          <Input
            name="actor"
            aria-label="Actor id"
            placeholder="actor id"
            defaultValue={search.actor}
            className="w-32"
          />
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
      <Table
        dense
        testId="audit-table"
        head={['When', 'Actor', 'Action', 'Target', 'Before', 'After']}
        rows={page.items.length}
        empty={
          <EmptyState title="No entries match.">
            <p>
              Clear the filters, or widen the dates. Every decision, consent change and model change
              is recorded here.
            </p>
          </EmptyState>
        }
      >
        {page.items.map((e) => (
          <tr key={e.id} data-action={e.action} className="font-mono">
            <td className="whitespace-nowrap">{formatWhen(e.at)}</td>
            <td className="max-w-40 truncate">{e.actorLabel}</td>
            <td className="whitespace-nowrap">{e.action}</td>
            <td className="whitespace-nowrap">
              {e.targetType}
              {e.targetId ? `:${e.targetId.slice(0, 8)}` : ''}
            </td>
            <td className="max-w-48 truncate" title={json(e.before)}>
              {json(e.before)}
            </td>
            <td className="max-w-48 truncate" title={json(e.after)}>
              {json(e.after)}
            </td>
          </tr>
        ))}
      </Table>
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
