'use client';
// Every decision of every item, filterable; my throughput and agreement, in words.
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTRPC } from '@/trpc/client';
import { formatWhen, REASON_LABEL, reasonLabel, stateLabel } from '@/ui/format';
import { Badge, Button, EmptyState, Select, Table } from '@/ui/kit';
import { HISTORY_PAGE } from './history-page';
import { REJECT_REASONS, type TRejectReason } from '@musar/core/review/rules';

const num = (v: unknown, digits = 1) =>
  typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(digits)) : '—';

export function HistoryView({ me }: { me: string }) {
  const trpc = useTRPC();
  const [decision, setDecision] = useState<'' | 'approve' | 'reject'>('');
  const [reason, setReason] = useState<'' | TRejectReason>('');
  const [mine, setMine] = useState(false);
  const [undone, setUndone] = useState(false);
  const filter = {
    decision: decision || undefined,
    reason: reason || undefined,
    reviewerId: mine ? me : undefined,
    includeUndone: undone,
    limit: HISTORY_PAGE,
  };
  const history = useInfiniteQuery(
    trpc.review.insights.history.infiniteQueryOptions(filter, {
      getNextPageParam: (last) => last.nextCursor ?? undefined,
    }),
  );
  const stats = useQuery(trpc.review.insights.myStats.queryOptions());
  const rows = history.data?.pages.flatMap((p) => p.items) ?? [];
  const t = stats.data?.throughput ?? {};
  const days = typeof t.windowHours === 'number' ? Math.round(t.windowHours / 24) : 7;
  const tiles: [string, string][] = [
    [`Decisions (last ${days} days)`, num(t.decisions)],
    ['Approved', num(t.approved)],
    ['Rejected', num(t.rejected)],
    ['Undone', num(t.undone)],
    ['Items per active hour', num(t.perHour)],
    ['Median seconds per item', num(t.medianSecondsPerItem)],
    [
      'Agreement with others',
      stats.data?.agreement && typeof stats.data.agreement.rate === 'number'
        ? `${Math.round(stats.data.agreement.rate * 100)} %`
        : '—',
    ],
  ];
  return (
    <div className="space-y-4">
      <dl
        className="grid grid-cols-2 gap-3 rounded-md bg-white p-3 text-xs ring-1 ring-slate-200 sm:grid-cols-4 lg:grid-cols-7"
        data-testid="my-stats"
      >
        {tiles.map(([k, v]) => (
          <div key={k}>
            <dt className="text-slate-500">{k}</dt>
            <dd className="font-mono text-sm">{v}</dd>
          </div>
        ))}
      </dl>
      <div className="flex flex-wrap items-center gap-3">
        <Select
          aria-label="Decision"
          value={decision}
          onChange={(e) => setDecision(e.target.value as typeof decision)}
        >
          <option value="">All decisions</option>
          <option value="approve">Approved</option>
          <option value="reject">Rejected</option>
        </Select>
        <Select
          aria-label="Reason"
          value={reason}
          onChange={(e) => setReason(e.target.value as typeof reason)}
        >
          <option value="">Any reason</option>
          {REJECT_REASONS.map((r) => (
            <option key={r} value={r}>
              {REASON_LABEL[r]}
            </option>
          ))}
        </Select>
        <label className="flex items-center gap-1">
          <input type="checkbox" checked={mine} onChange={(e) => setMine(e.target.checked)} /> Mine
          only
        </label>
        <label className="flex items-center gap-1">
          <input type="checkbox" checked={undone} onChange={(e) => setUndone(e.target.checked)} />{' '}
          Include undone
        </label>
      </div>
      <Table
        dense
        testId="history-table"
        head={['When', 'Reviewer', 'Decision', 'Reasons', 'Repaint', 'Comment', 'Prompt', 'Item']}
        rows={history.isSuccess ? rows.length : undefined}
        empty={
          <EmptyState title="No decisions match.">
            <p>
              Decisions appear here as reviewers approve or reject items in the Queue. Clear the
              filters to see them all.
            </p>
          </EmptyState>
        }
      >
        {rows.map((r) => (
          <tr key={String(r.reviewId)} data-decision={String(r.decision)}>
            <td className="whitespace-nowrap">{formatWhen(String(r.at))}</td>
            <td className="max-w-40 truncate">{String(r.reviewerEmail)}</td>
            <td className="space-x-1 whitespace-nowrap">
              <Badge tone={r.decision === 'approve' ? 'emerald' : 'rose'}>
                {r.decision === 'approve' ? 'approved' : 'rejected'}
              </Badge>
              {r.undoneAt ? <Badge>undone</Badge> : null}
              {r.kind === 'adjudication' ? <Badge tone="indigo">adjudication</Badge> : null}
            </td>
            <td>{(r.reasons as string[]).map(reasonLabel).join(', ')}</td>
            <td>{r.repainted ? 'yes' : ''}</td>
            <td className="max-w-48 truncate">{String(r.comment ?? '')}</td>
            <td className="max-w-64 truncate">{String(r.prompt)}</td>
            <td className="font-mono whitespace-nowrap">
              {String(r.outputId).slice(0, 8)} · {stateLabel(String(r.outputState))}
            </td>
          </tr>
        ))}
      </Table>
      {history.hasNextPage ? (
        <Button onClick={() => history.fetchNextPage()}>Load more</Button>
      ) : null}
    </div>
  );
}
