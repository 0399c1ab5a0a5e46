'use client';
// The model registry: versions, lineage, metrics and state; the retraining policy and button;
// training progress (polled every second while a retrain runs); the evaluation gate's comparison;
// promote and rollback (one action each, audited on the server).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/trpc/client';
import { Alert, Badge, Button, PageHeader, Table } from '@/ui/kit';
import { GateTable } from './gate-table';

const TONES = { candidate: 'indigo', serving: 'emerald', retired: 'slate', tainted: 'rose', failed: 'amber' } as const;
type TTraining = { status?: string; step?: number; steps?: number; loss?: number; error?: string; heldOutOutputIds?: string[] };
/** A shipped model card's measured quality (docs/results.md): held-out two-subject suite. */
type THeldOut = { fidelity: number; leakage: number; seam: number };

export function ModelRegistry() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery({
    ...trpc.models.list.queryOptions(),
    refetchInterval: (q) => (q.state.data?.some((m) => (m.metrics?.training as TTraining | undefined)?.status === 'running' || (m.state === 'candidate' && !m.metrics?.gate)) ? 1000 : false),
  });
  const status = useQuery({ ...trpc.models.retrainStatus.queryOptions(), refetchInterval: 5000 });
  const refresh = () => Promise.all([queryClient.invalidateQueries({ queryKey: trpc.models.list.queryKey() }), queryClient.invalidateQueries({ queryKey: trpc.models.retrainStatus.queryKey() })]);
  const promote = useMutation(trpc.models.promote.mutationOptions({ onSettled: refresh }));
  const rollback = useMutation(trpc.models.rollback.mutationOptions({ onSettled: refresh }));
  const retrain = useMutation(trpc.models.retrain.mutationOptions({ onSettled: refresh }));
  const error = promote.error ?? rollback.error ?? retrain.error;
  const s = status.data;
  return (
    <section className="space-y-4">
      <PageHeader title="Models">
        <Button tone="primary" data-testid="retrain" disabled={retrain.isPending} onClick={() => retrain.mutate({})}>
          Retrain now
        </Button>
      </PageHeader>
      {error ? <Alert>{error.message}</Alert> : null}
      {s ? (
        <p className="text-sm text-slate-600" data-testid="retrain-status">
          {s.newApproved} new approved outputs ({s.newRepaints} repainted) since {s.servingAdapter?.name ?? 'no serving adapter'}; the policy retrains at {s.threshold}.
          {s.openJobs.length ? ` Retrain ${s.openJobs[0]!.state === 'active' ? 'running' : 'queued'}.` : ''}
          {s.excludedSubjects ? ` ${s.excludedSubjects} subject(s) without train consent are excluded.` : ''}
        </p>
      ) : null}
      <Table testId="model-versions" head={['Version', 'Kind', 'State', 'Parent', 'Lineage', 'Training', 'Evaluation', '']}>
        {list.data?.map((m) => {
          const t = m.metrics?.training as TTraining | undefined;
          const gate = m.metrics?.gate as Parameters<typeof GateTable>[0]['gate'] | undefined;
          const heldOut = m.metrics?.twoSubject as THeldOut | undefined;
          const parent = list.data.find((p) => p.id === m.parentId);
          const training = t?.status === 'running' || t?.status === 'queued';
          return (
            <tr key={m.id} data-testid="model-row" data-state={m.state} data-name={m.name} className="align-top">
              <td className="font-medium">{m.name}</td>
              <td>{m.kind}</td>
              <td>
                <Badge tone={TONES[m.state]}>{m.state}</Badge>
                {m.taintReason ? <div className="text-xs text-rose-700">{m.taintReason}</div> : null}
              </td>
              <td>{parent?.name ?? '—'}</td>
              <td>{training ? '— (recorded when training ends)' : `${m.lineage.outputs} outputs, ${m.lineage.subjects} subjects`}</td>
              <td data-testid="training">
                {t ? (
                  <>
                    {t.status === 'running' ? 'training' : t.status} · step {t.step ?? 0} of {t.steps ?? '?'}
                    {t.status === 'running' ? <progress className="block w-32" max={t.steps ?? 1} value={t.step ?? 0} /> : null}
                    {t.loss != null ? <div className="text-xs text-slate-500">loss {t.loss.toFixed(4)}</div> : null}
                    {t.error ? <div className="text-xs text-rose-700">{t.error}</div> : null}
                  </>
                ) : (
                  `${m.trainingSteps ?? '—'} steps`
                )}
              </td>
              <td>
                {gate ? (
                  <GateTable gate={gate} />
                ) : m.state === 'candidate' ? (
                  training ? 'after training' : 'evaluating…'
                ) : heldOut ? (
                  <span data-testid="held-out">
                    held-out two-subject ({String(m.metrics?.n ?? '?')} items): fidelity {heldOut.fidelity.toFixed(2)} · leakage {heldOut.leakage.toFixed(2)} · seam {heldOut.seam.toFixed(2)}
                  </span>
                ) : (
                  '—'
                )}
              </td>
              <td className="space-x-2 px-3 py-2 whitespace-nowrap">
                {m.state === 'candidate' && gate?.passed ? (
                  <Button tone="primary" data-testid="promote" onClick={() => promote.mutate({ modelVersionId: m.id })}>Promote</Button>
                ) : null}
                {m.state === 'retired' && m.promotedAt ? (
                  <Button data-testid="rollback" onClick={() => rollback.mutate({ modelVersionId: m.id })}>Roll back to this</Button>
                ) : null}
              </td>
            </tr>
          );
        })}
      </Table>
    </section>
  );
}
