'use client';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/trpc/client';

const f2 = (v: unknown) => (typeof v === 'number' ? v.toFixed(2) : String(v));

export function StrengthTable() {
  const trpc = useTRPC();
  const data = useQuery(trpc.review.insights.strengthSuggestions.queryOptions());
  if (data.isSuccess && data.data.length === 0) return <p className="text-slate-600">No strength feedback from reviewers yet.</p>;
  return (
    <div className="space-y-4" data-testid="strength-suggestions">
      <p className="max-w-prose text-xs text-slate-600">
        Per subject: reviewers’ votes on how present it is, and a suggested strength = the strength used × (1 + 0.25 × mean vote),
        where too weak = +1 and too strong = −1.
      </p>
      {(data.data ?? []).map((cfg) => (
        <table key={cfg.routingConfigId ?? 'none'} className="w-full bg-white text-xs ring-1 ring-slate-200">
          <caption className="p-2 text-left font-medium">{cfg.name ? `${cfg.name} v${cfg.version}` : 'No routing config'}</caption>
          <thead className="text-left text-slate-500">
            <tr><th className="p-2">Subject</th><th>Votes</th><th>Too weak</th><th>Right</th><th>Too strong</th><th>Used</th><th>Suggested</th></tr>
          </thead>
          <tbody>
            {cfg.subjects.map((s) => (
              <tr key={String(s.subjectId)} className="border-t border-slate-100">
                <td className="p-2">{String(s.name)}</td>
                <td>{s.votes}</td><td>{s.tooWeak}</td><td>{s.right}</td><td>{s.tooStrong}</td>
                <td>{f2(s.currentStrength)}</td><td className="font-semibold">{f2(s.suggestedStrength)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </div>
  );
}
