'use client';
// Every decision of every item, filterable; my throughput and agreement.
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTRPC } from '@/trpc/client';
import { Badge, Button, Select } from '@/ui/kit';

const REASONS = ['identity_wrong', 'attribute_leakage', 'diptych_seam', 'missing_subject', 'wrong_layout', 'low_quality', 'other'] as const;
const fmt = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : v === null || v === undefined ? '—' : String(v));

export function HistoryView({ me }: { me: string }) {
  const trpc = useTRPC();
  const [decision, setDecision] = useState<'' | 'approve' | 'reject'>('');
  const [reason, setReason] = useState<'' | (typeof REASONS)[number]>('');
  const [mine, setMine] = useState(false);
  const [undone, setUndone] = useState(false);
  const filter = { decision: decision || undefined, reason: reason || undefined, reviewerId: mine ? me : undefined, includeUndone: undone, limit: 50 };
  const history = useInfiniteQuery(
    trpc.review.insights.history.infiniteQueryOptions(filter, { getNextPageParam: (last) => last.nextCursor ?? undefined }),
  );
  const stats = useQuery(trpc.review.insights.myStats.queryOptions());
  const rows = history.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap gap-4 rounded-md bg-white p-3 text-xs ring-1 ring-slate-200" data-testid="my-stats">
        {Object.entries(stats.data?.throughput ?? {}).map(([k, v]) => (
          <div key={k}><div className="text-slate-500">{k}</div><div className="font-mono text-sm">{fmt(v)}</div></div>
        ))}
        <div><div className="text-slate-500">agreement</div><div className="font-mono text-sm">{stats.data?.agreement ? fmt(stats.data.agreement.rate) : '—'}</div></div>
      </div>
      <div className="flex flex-wrap items-center gap-3">
        <Select aria-label="Decision" value={decision} onChange={(e) => setDecision(e.target.value as typeof decision)}>
          <option value="">all decisions</option><option value="approve">approve</option><option value="reject">reject</option>
        </Select>
        <Select aria-label="Reason" value={reason} onChange={(e) => setReason(e.target.value as typeof reason)}>
          <option value="">any reason</option>
          {REASONS.map((r) => <option key={r} value={r}>{r}</option>)}
        </Select>
        <label className="flex items-center gap-1"><input type="checkbox" checked={mine} onChange={(e) => setMine(e.target.checked)} /> mine only</label>
        <label className="flex items-center gap-1"><input type="checkbox" checked={undone} onChange={(e) => setUndone(e.target.checked)} /> include undone</label>
      </div>
      <table className="w-full bg-white text-xs ring-1 ring-slate-200" data-testid="history-table">
        <thead className="text-left text-slate-500">
          <tr><th className="p-2">When</th><th>Reviewer</th><th>Decision</th><th>Reasons</th><th>Repaint</th><th>Comment</th><th>Prompt</th><th>Item</th></tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={String(r.reviewId)} className="border-t border-slate-100" data-decision={String(r.decision)}>
              <td className="p-2 whitespace-nowrap">{new Date(String(r.at)).toLocaleString()}</td>
              <td>{String(r.reviewerEmail)}</td>
              <td><Badge tone={r.decision === 'approve' ? 'emerald' : 'rose'}>{String(r.decision)}</Badge>{r.undoneAt ? <Badge>undone</Badge> : null}{r.kind === 'adjudication' ? <Badge tone="indigo">adjudication</Badge> : null}</td>
              <td>{(r.reasons as string[]).join(', ')}</td>
              <td>{r.repainted ? 'yes' : ''}</td>
              <td className="max-w-48 truncate">{String(r.comment ?? '')}</td>
              <td className="max-w-64 truncate">{String(r.prompt)}</td>
              <td className="font-mono">{String(r.outputId).slice(0, 8)} · {String(r.outputState)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {history.hasNextPage ? <Button onClick={() => history.fetchNextPage()}>Load more</Button> : null}
    </div>
  );
}
