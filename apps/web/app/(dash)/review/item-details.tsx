'use client';
// References of every subject beside the output, and what produced it: prompt, routing
// parameters, model version, auto scores with their reasons.
import { Badge } from '@/ui/kit';
import { colorOf, STRENGTH_LABEL, type TItem, type TStrength } from './review-types';

export function References({
  item,
  strength,
  selected,
}: {
  item: TItem;
  strength: Record<string, TStrength>;
  selected: number;
}) {
  return (
    <div
      className="space-y-2"
      role="group"
      aria-label="Subject references"
      data-testid="references"
    >
      {item.subjects.map((s) => (
        <figure
          key={s.id}
          className={`min-w-0 rounded-md p-2 ring-1 ${selected === s.index ? 'ring-2 ring-indigo-500' : 'ring-slate-200'}`}
          data-testid={`subject-${s.index + 1}`}
        >
          <figcaption className="mb-1 flex flex-wrap items-center gap-2 text-xs">
            <span
              className="inline-block h-3 w-3 rounded-sm"
              style={{ background: colorOf(s.index) }}
            />
            <span className="font-medium">
              {s.index + 1}. {s.name}
            </span>
            <span className="text-slate-500">{s.classWord}</span>
            {strength[s.id] ? <Badge tone="amber">{STRENGTH_LABEL[strength[s.id]!]}</Badge> : null}
            {s.erased ? <Badge tone="rose">erased</Badge> : null}
          </figcaption>
          <div className="flex flex-wrap gap-2">
            {s.references.map((src, i) => (
              <img
                key={i}
                src={src}
                alt={`${s.name} reference ${i + 1}`}
                width={80}
                height={80}
                className="h-20 w-20 shrink-0"
                style={{ imageRendering: 'pixelated' }}
              />
            ))}
          </div>
        </figure>
      ))}
    </div>
  );
}

/** Auto-score keys in words (camelCase → words). */
const scoreLabel = (k: string) =>
  k
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase();

const fmt = (v: unknown) =>
  typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : JSON.stringify(v);

export function Provenance({ item }: { item: TItem }) {
  const scores = item.scores ?? {};
  const reasons = Array.isArray(scores.reasons) ? (scores.reasons as unknown[]).map(String) : [];
  const numbers = Object.entries(scores).filter(([, v]) => typeof v === 'number');
  return (
    <div className="space-y-3 text-xs">
      <p className="text-sm" data-testid="prompt">
        “{item.prompt}”
      </p>
      <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1">
        <dt className="text-slate-500">Model</dt>
        <dd>{item.modelVersion ? `${item.modelVersion.name} (${item.modelVersion.kind})` : '—'}</dd>
        <dt className="text-slate-500">Routing config</dt>
        <dd>
          {item.routingConfig ? `${item.routingConfig.name} v${item.routingConfig.version}` : '—'}
        </dd>
        <dt className="text-slate-500">Routing params</dt>
        <dd className="font-mono break-all">
          {Object.entries(item.routingParams ?? {})
            .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
            .join(' · ') || '—'}
        </dd>
        <dt className="text-slate-500">Steps</dt>
        <dd>{item.steps}</dd>
        <dt className="text-slate-500">Seed</dt>
        <dd>{item.seed ?? '—'}</dd>
        <dt className="text-slate-500">Consensus</dt>
        <dd>
          {item.consensus.decisions} of {item.consensus.needed} decisions
          {item.consensus.inAdjudication ? ' · in adjudication' : ''}
        </dd>
      </dl>
      <div>
        <h3 className="mb-1 font-medium">Auto scores</h3>
        <table className="w-full" data-testid="auto-scores">
          <tbody>
            {numbers.map(([k, v]) => (
              <tr key={k}>
                <td className="pr-2 text-slate-500">{scoreLabel(k)}</td>
                <td className="font-mono">{fmt(v)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {reasons.length ? (
          <ul className="mt-1 list-disc pl-4 text-amber-800">
            {reasons.map((r, i) => (
              <li key={i}>{r}</li>
            ))}
          </ul>
        ) : (
          <p className="mt-1 text-slate-500">No scorer findings.</p>
        )}
      </div>
    </div>
  );
}
