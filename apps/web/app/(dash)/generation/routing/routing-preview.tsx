'use client';
// Preview: each picked config becomes a one-image generation request (same subjects, prompt and
// seed) computed by the worker; results are polled and shown side by side with the routing map
// and the auto scores.
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTRPC } from '@/trpc/client';
import { fromServer, type TErrors } from '@/ui/form-errors';
import { Alert, Button, Field, FieldError, Input } from '@/ui/kit';

const COLORS = ['#dc2626', '#2563eb', '#ca8a04', '#16a34a'];
/** The form's fields (any other key's message, e.g. steps, joins the sentence). */
const FIELDS = ['subjectIds', 'routingConfigIds', 'prompt', 'seed'];

function MapGrid({ map }: { map: unknown }) {
  const cells = Array.isArray(map) ? (map as number[]) : [];
  const g = Math.round(Math.sqrt(cells.length));
  if (!g) return <div className="text-xs text-slate-500">no routing map</div>;
  return (
    <div
      className="grid w-32"
      style={{ gridTemplateColumns: `repeat(${g}, 1fr)` }}
      data-testid="routing-map"
    >
      {cells.map((v, i) => (
        <div
          key={i}
          className="aspect-square"
          style={{ background: v >= 0 ? COLORS[v % 4] : '#e2e8f0' }}
        />
      ))}
    </div>
  );
}

export function RoutingPreview({
  configs,
}: {
  configs: { id: string; name: string; version: number }[];
}) {
  const trpc = useTRPC();
  const subjects = useQuery(
    trpc.subjects.list.queryOptions({ usableFor: 'generate', limit: 200, offset: 0 }),
  );
  const [subjectIds, setSubjectIds] = useState<string[]>([]);
  const [configIds, setConfigIds] = useState<string[]>([]);
  const [prompt, setPrompt] = useState('');
  const [seed, setSeed] = useState('1');
  const [requestIds, setRequestIds] = useState<string[]>([]);
  const [errors, setErrors] = useState<TErrors>({});
  const start = useMutation(
    trpc.routing.preview.mutationOptions({
      onSuccess: (r) => setRequestIds(r.items.map((i) => i.requestId)),
      onError: (e) => setErrors(fromServer(e, FIELDS)),
    }),
  );
  const result = useQuery({
    ...trpc.routing.previewResult.queryOptions({ requestIds }),
    enabled: requestIds.length > 0,
    refetchInterval: (q) =>
      q.state.data?.some((r) => !r.output && r.state !== 'failed' && r.state !== 'cancelled')
        ? 1000
        : false,
  });
  const toggle = (list: string[], set: (v: string[]) => void, id: string, max: number) =>
    set(
      list.includes(id) ? list.filter((x) => x !== id) : list.length < max ? [...list, id] : list,
    );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setErrors({});
    start.mutate({
      subjectIds,
      prompt,
      seed: Number(seed),
      steps: 20,
      routingConfigIds: configIds,
    });
  };
  return (
    <form
      onSubmit={submit}
      className="space-y-3 rounded-lg bg-white p-4 ring-1 ring-slate-200"
      aria-label="Preview"
    >
      <h2 className="font-medium">Preview side by side</h2>
      {errors.form ? <Alert>{errors.form}</Alert> : null}
      <p className="text-xs text-slate-600">
        Previews are for you only: they do not go to the reviewers’ queue, the metrics or the
        request list.
      </p>
      <div className="flex flex-wrap gap-2" role="group" aria-label="Preview subjects">
        {subjects.data?.items.map((s) => (
          <label key={s.id} className="flex items-center gap-1 text-sm">
            <input
              type="checkbox"
              checked={subjectIds.includes(s.id)}
              onChange={() => toggle(subjectIds, setSubjectIds, s.id, 4)}
            />{' '}
            {s.name}
          </label>
        ))}
      </div>
      {errors.subjectIds ? <FieldError>{errors.subjectIds}</FieldError> : null}
      <div className="flex flex-wrap gap-2" role="group" aria-label="Configs to compare">
        {configs.map((c) => (
          <label key={c.id} className="flex items-center gap-1 text-sm">
            <input
              type="checkbox"
              checked={configIds.includes(c.id)}
              onChange={() => toggle(configIds, setConfigIds, c.id, 4)}
            />{' '}
            {c.name} v{c.version}
          </label>
        ))}
      </div>
      {errors.routingConfigIds ? <FieldError>{errors.routingConfigIds}</FieldError> : null}
      <div className="flex flex-wrap gap-3">
        <Field label="Preview prompt" error={errors.prompt}>
          <Input
            value={prompt}
            onChange={(e) => setPrompt(e.target.value)}
            aria-invalid={Boolean(errors.prompt)}
          />
        </Field>
        <Field label="Preview seed" error={errors.seed}>
          <Input
            value={seed}
            onChange={(e) => setSeed(e.target.value)}
            inputMode="numeric"
            aria-invalid={Boolean(errors.seed)}
          />
        </Field>
      </div>
      <Button tone="primary" type="submit" disabled={start.isPending}>
        Preview 2–4 configs
      </Button>
      <div className="grid grid-cols-2 gap-4 md:grid-cols-4" data-testid="preview-results">
        {result.data?.map((r) => {
          const cfg = configs.find((c) => c.id === r.routingConfigId);
          const scores = r.output?.scores as
            { fidelity?: number; leakage?: number } | null | undefined;
          return (
            <figure key={r.requestId} className="space-y-1 text-sm">
              <figcaption className="font-medium">
                {cfg ? `${cfg.name} v${cfg.version}` : r.routingConfigId}
              </figcaption>
              {r.output?.image ? (
                <img
                  src={r.output.image}
                  alt={`Preview with ${cfg ? `${cfg.name} v${cfg.version}` : 'config'}`}
                  className="w-32 [image-rendering:pixelated]"
                />
              ) : (
                <div className="text-slate-500">
                  {r.state === 'queued'
                    ? 'waiting…'
                    : r.state === 'running'
                      ? 'computing…'
                      : r.state}
                </div>
              )}
              {r.output ? <MapGrid map={r.output.routingMap} /> : null}
              {scores ? (
                <div className="text-xs">
                  fidelity {scores.fidelity?.toFixed(3)} · leakage {scores.leakage?.toFixed(3)}
                </div>
              ) : null}
            </figure>
          );
        })}
      </div>
    </form>
  );
}
