'use client';
// The operator's request: 2–4 subjects with active consent (in prompt order), a prompt, routing
// parameters, count, seed and steps. Validation errors come back from the server's zod schema.
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTRPC } from '@/trpc/client';
import { Alert, Button, Field, Input } from '@/ui/kit';

const optionalNumber = (v: string) => (v.trim() === '' ? undefined : Number(v));

export function GenerationForm({ onCreated }: { onCreated: () => void }) {
  const trpc = useTRPC();
  const subjects = useQuery(trpc.subjects.list.queryOptions({ usableFor: 'generate', limit: 200, offset: 0 }));
  const [picked, setPicked] = useState<string[]>([]);
  const [prompt, setPrompt] = useState('');
  const [count, setCount] = useState('4');
  const [seed, setSeed] = useState('');
  const [steps, setSteps] = useState('20');
  const [startStep, setStartStep] = useState('');
  const [beta, setBeta] = useState('');
  const [threshold, setThreshold] = useState('');
  const [error, setError] = useState<string | null>(null);
  const create = useMutation(
    trpc.generation.create.mutationOptions({
      onSuccess: () => {
        setError(null);
        setPicked([]);
        onCreated();
      },
      onError: (e) => setError(e.message),
    }),
  );
  const toggle = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : p.length < 4 ? [...p, id] : p));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const routing = { startStep: optionalNumber(startStep), beta: optionalNumber(beta), threshold: optionalNumber(threshold) };
    create.mutate({
      subjectIds: picked,
      prompt,
      count: Number(count),
      seed: optionalNumber(seed),
      steps: Number(steps),
      routing: Object.fromEntries(Object.entries(routing).filter(([, v]) => v !== undefined)),
    });
  };
  return (
    <form onSubmit={submit} className="space-y-3 rounded-lg bg-white p-4 ring-1 ring-slate-200" aria-label="New generation">
      <fieldset>
        <legend className="mb-1 text-xs font-medium text-slate-600">Subjects (2–4, in prompt order; only those with active consent)</legend>
        <div className="flex flex-wrap gap-2" data-testid="subject-picker">
          {subjects.data?.items.map((s) => {
            const at = picked.indexOf(s.id);
            return (
              <label key={s.id} className={`flex cursor-pointer items-center gap-1 rounded px-2 py-1 text-sm ring-1 ${at >= 0 ? 'bg-indigo-50 ring-indigo-400' : 'ring-slate-300'}`}>
                <input type="checkbox" checked={at >= 0} onChange={() => toggle(s.id)} aria-label={s.name} />
                {s.name} <span className="text-slate-500">({s.classWord})</span>
                {at >= 0 ? <span className="text-xs text-indigo-700">#{at + 1}</span> : null}
              </label>
            );
          })}
          {subjects.data?.items.length === 0 ? <span className="text-sm text-slate-500">No subject has active consent for generation.</span> : null}
        </div>
      </fieldset>
      <Field label="Prompt">
        <Input name="prompt" value={prompt} onChange={(e) => setPrompt(e.target.value)} placeholder="a star toy left of a heart toy on grass" />
      </Field>
      <div className="grid grid-cols-3 gap-3 md:grid-cols-6">
        <Field label="Count">
          <Input name="count" type="number" min={1} max={16} value={count} onChange={(e) => setCount(e.target.value)} />
        </Field>
        <Field label="Seed" hint="empty: random">
          <Input name="seed" type="number" min={0} value={seed} onChange={(e) => setSeed(e.target.value)} />
        </Field>
        <Field label="Steps">
          <Input name="steps" type="number" min={1} max={100} value={steps} onChange={(e) => setSteps(e.target.value)} />
        </Field>
        <Field label="Routing start step" hint="default 4">
          <Input name="startStep" type="number" min={0} value={startStep} onChange={(e) => setStartStep(e.target.value)} />
        </Field>
        <Field label="β (gate)" hint="empty: hard mask">
          <Input name="beta" type="number" min={0} step="any" value={beta} onChange={(e) => setBeta(e.target.value)} />
        </Field>
        <Field label="Threshold" hint="0–1, default 0.3">
          <Input name="threshold" type="number" min={0} max={1} step="any" value={threshold} onChange={(e) => setThreshold(e.target.value)} />
        </Field>
      </div>
      {error ? <Alert>{error}</Alert> : null}
      <Button tone="primary" type="submit" disabled={create.isPending}>
        {create.isPending ? 'Submitting…' : 'Generate'}
      </Button>
    </form>
  );
}
