'use client';
// Items whose k decisions disagree. j / k choose an item, a approves, r + 1–7 + Enter rejects;
// only a reviewer who did not decide the item may settle it (the server says so otherwise).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTRPC } from '@/trpc/client';
import { Alert, Badge, EmptyState, Kbd } from '@/ui/kit';
import { reasonLabel } from '@/ui/format';
import { Provenance, References } from '../item-details';
import { Legend, RoutingOverlay } from '../routing-overlay';

type Vote = { reviewer: string; decision: string; reasons: string[] };

export function AdjudicationView() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const list = useQuery(trpc.review.insights.adjudications.queryOptions());
  const config = useQuery(trpc.review.config.queryOptions());
  const [index, setIndex] = useState(0);
  const [rejecting, setRejecting] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const items = list.data ?? [];
  const current = items[Math.min(index, Math.max(0, items.length - 1))];
  const item = useQuery({
    ...trpc.review.item.queryOptions({ outputId: current?.outputId ?? '' }),
    enabled: Boolean(current),
  });
  const settle = useMutation(
    trpc.review.insights.adjudicate.mutationOptions({
      onSuccess: () => {
        setRejecting(null);
        setError(null);
        return qc.invalidateQueries({ queryKey: trpc.review.insights.adjudications.queryKey() });
      },
      onError: (e) => setError(e.message),
    }),
  );

  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (
        ['INPUT', 'TEXTAREA', 'SELECT'].includes((e.target as HTMLElement | null)?.tagName ?? '') ||
        !current
      )
        return;
      const reasons = config.data?.reasons ?? [];
      if (rejecting) {
        if (/^[1-7]$/.test(e.key)) {
          const id = reasons[Number(e.key) - 1]?.id;
          if (id) setRejecting((r) => (r!.includes(id) ? r!.filter((x) => x !== id) : [...r!, id]));
        } else if (e.key === 'Enter' && rejecting.length)
          settle.mutate({
            outputId: current.outputId,
            decision: 'reject',
            reasons: rejecting as never,
          });
        else if (e.key === 'Escape') setRejecting(null);
        return;
      }
      if (e.key === 'j') setIndex((i) => Math.min(items.length - 1, i + 1));
      else if (e.key === 'k') setIndex((i) => Math.max(0, i - 1));
      else if (e.key === 'a') settle.mutate({ outputId: current.outputId, decision: 'approve' });
      else if (e.key === 'r') setRejecting([]);
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  if (list.isSuccess && items.length === 0)
    return (
      <EmptyState title="No disagreements waiting." testId="adjudication-empty">
        <p>
          When reviewers disagree on an item (k-of-n review), it comes here for a third reviewer who
          did not decide it.
        </p>
      </EmptyState>
    );
  return (
    <div className="space-y-3">
      {error ? <Alert>{error}</Alert> : null}
      <p className="text-xs text-slate-600">
        {items.length} waiting · <Kbd>j</Kbd>/<Kbd>k</Kbd> choose · <Kbd>a</Kbd> approve ·{' '}
        <Kbd>r</Kbd> then <Kbd>1–7</Kbd> and <Kbd>Enter</Kbd> reject
        {rejecting
          ? ` · rejecting: ${rejecting.map(reasonLabel).join(', ') || 'choose reasons'}`
          : ''}
      </p>
      {current ? (
        <ul className="text-xs">
          {(current.votes as Vote[]).map((v, i) => (
            <li key={i}>
              <Badge tone={v.decision === 'approve' ? 'emerald' : 'rose'}>{v.decision}</Badge>{' '}
              {v.reviewer} {v.reasons.map(reasonLabel).join(', ')}
            </li>
          ))}
        </ul>
      ) : null}
      {item.data ? (
        <div className="grid gap-4 lg:grid-cols-[auto_minmax(0,1fr)_minmax(0,1fr)]">
          <div className="min-w-0 space-y-2">
            <RoutingOverlay
              item={item.data}
              cells={item.data.routingMap?.cells ?? null}
              showOverlay
              painting={false}
              cursor={-1}
              onPaint={() => {}}
              scale={10}
            />
            <Legend item={item.data} />
          </div>
          <References item={item.data} strength={{}} selected={-1} />
          <Provenance item={item.data} />
        </div>
      ) : null}
    </div>
  );
}
