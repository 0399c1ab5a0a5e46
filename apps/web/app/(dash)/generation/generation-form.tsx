'use client';
// The operator's request: 2–4 subjects with active consent (in prompt order), a prompt, routing
// parameters, count, seed and steps. Checked in the browser with the server's own zod schema
// (ZCreateGeneration); each problem is named next to its field.
import Link from 'next/link';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ZCreateGeneration } from '@musar/core/forms/forms';
import { useTRPC } from '@/trpc/client';
import { check, fromServer, type TErrors } from '@/ui/form-errors';
import { Alert, Button, EmptyState, Field, FieldError, Input } from '@/ui/kit';

/** The fields shown next to a control (the server's `routing` key, not split per parameter, and
 * any other key join the sentence). */
const FIELDS = [
  'subjectIds',
  'prompt',
  'count',
  'seed',
  'steps',
  'routing.startStep',
  'routing.beta',
  'routing.threshold',
];
const optionalNumber = (v: string) => (v.trim() === '' ? undefined : Number(v));

export function GenerationForm({ onCreated }: { onCreated: () => void }) {
  const trpc = useTRPC();
  const subjects = useQuery(
    trpc.subjects.list.queryOptions({ usableFor: 'generate', limit: 200, offset: 0 }),
  );
  const [picked, setPicked] = useState<string[]>([]);
  const [prompt, setPrompt] = useState('');
  const [count, setCount] = useState('4');
  const [seed, setSeed] = useState('');
  const [steps, setSteps] = useState('20');
  const [startStep, setStartStep] = useState('');
  const [beta, setBeta] = useState('');
  const [threshold, setThreshold] = useState('');
  const [errors, setErrors] = useState<TErrors>({});
  const create = useMutation(
    trpc.generation.create.mutationOptions({
      onSuccess: () => {
        setErrors({});
        setPicked([]);
        onCreated();
      },
      onError: (e) => setErrors(fromServer(e, FIELDS)),
    }),
  );
  const toggle = (id: string) =>
    setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : p.length < 4 ? [...p, id] : p));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const routing = {
      startStep: optionalNumber(startStep),
      beta: optionalNumber(beta),
      threshold: optionalNumber(threshold),
    };
    const value = {
      subjectIds: picked,
      prompt,
      count: Number(count === '' ? NaN : count),
      seed: optionalNumber(seed),
      steps: Number(steps === '' ? NaN : steps),
      routing: Object.fromEntries(Object.entries(routing).filter(([, v]) => v !== undefined)),
    };
    const checked = check(ZCreateGeneration, value);
    if (checked.errors)
      return setErrors({ ...checked.errors, form: 'Please correct the fields marked below.' });
    setErrors({});
    create.mutate(value);
  };
  const e = (k: string) => errors[k] ?? null;
  const none = subjects.isSuccess && subjects.data.items.length === 0;
  return (
    <form
      onSubmit={submit}
      noValidate
      className="space-y-3 rounded-lg bg-white p-4 ring-1 ring-slate-200"
      aria-label="New generation"
    >
      <fieldset>
        <legend className="mb-1 text-xs font-medium text-slate-600">
          Subjects (2–4, in prompt order; only those with consent to generate)
        </legend>
        <div className="flex flex-wrap gap-2" data-testid="subject-picker">
          {subjects.data?.items.map((s) => {
            const at = picked.indexOf(s.id);
            return (
              <label
                key={s.id}
                className={`flex cursor-pointer items-center gap-1 rounded px-2 py-1 text-sm ring-1 ${at >= 0 ? 'bg-indigo-50 ring-indigo-400' : 'ring-slate-300'}`}
              >
                <input
                  type="checkbox"
                  checked={at >= 0}
                  onChange={() => toggle(s.id)}
                  aria-label={s.name}
                />
                {s.name} <span className="text-slate-500">({s.classWord})</span>
                {at >= 0 ? <span className="text-xs text-indigo-700">#{at + 1}</span> : null}
              </label>
            );
          })}
        </div>
        {none ? (
          <EmptyState title="No subject has consent to generate yet." testId="no-subjects">
            <p>
              An admin creates subjects and records a <strong>generate</strong> consent for each one
              (Subjects &amp; consent → a subject → Record consent). Then they appear here. In the
              demo, sign in as <code>admin</code> to do so.
            </p>
          </EmptyState>
        ) : null}
        {e('subjectIds') ? <FieldError>{e('subjectIds')}</FieldError> : null}
      </fieldset>
      <Field label="Prompt" error={e('prompt')}>
        <Input
          name="prompt"
          value={prompt}
          onChange={(ev) => setPrompt(ev.target.value)}
          placeholder="a star toy left of a heart toy on grass"
          aria-invalid={Boolean(e('prompt'))}
        />
      </Field>
      <div className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
        <Field label="Images" error={e('count')}>
          <Input
            name="count"
            type="number"
            min={1}
            max={16}
            value={count}
            onChange={(ev) => setCount(ev.target.value)}
            aria-invalid={Boolean(e('count'))}
          />
        </Field>
        <Field label="Seed" hint="empty: random" error={e('seed')}>
          <Input
            name="seed"
            type="number"
            min={0}
            value={seed}
            onChange={(ev) => setSeed(ev.target.value)}
            aria-invalid={Boolean(e('seed'))}
          />
        </Field>
        <Field label="Steps per image" error={e('steps')}>
          <Input
            name="steps"
            type="number"
            min={1}
            max={100}
            value={steps}
            onChange={(ev) => setSteps(ev.target.value)}
            aria-invalid={Boolean(e('steps'))}
          />
        </Field>
        <Field label="Routing start step" hint="default 4" error={e('routing.startStep')}>
          <Input
            name="startStep"
            type="number"
            min={0}
            value={startStep}
            onChange={(ev) => setStartStep(ev.target.value)}
          />
        </Field>
        <Field label="β (gate)" hint="empty: hard mask" error={e('routing.beta')}>
          <Input
            name="beta"
            type="number"
            min={0}
            step="any"
            value={beta}
            onChange={(ev) => setBeta(ev.target.value)}
          />
        </Field>
        <Field label="Threshold" hint="0–1, default 0.3" error={e('routing.threshold')}>
          <Input
            name="threshold"
            type="number"
            min={0}
            max={1}
            step="any"
            value={threshold}
            onChange={(ev) => setThreshold(ev.target.value)}
          />
        </Field>
      </div>
      {errors.form ? <Alert>{errors.form}</Alert> : null}
      <div className="flex flex-wrap items-center gap-3">
        <Button tone="primary" type="submit" disabled={create.isPending}>
          {create.isPending ? 'Submitting…' : 'Generate'}
        </Button>
        <span className="text-xs text-slate-500">
          Each image goes to the review queue; compare routing settings first on{' '}
          <Link className="underline" href="/generation/routing">
            Routing configs
          </Link>
          .
        </span>
      </div>
    </form>
  );
}
