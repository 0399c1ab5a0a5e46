'use client';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/trpc/client';
import { EmptyState, Table } from '@/ui/kit';

const f2 = (v: unknown) => (typeof v === 'number' ? v.toFixed(2) : '—');

export function StrengthTable() {
  const trpc = useTRPC();
  const data = useQuery(trpc.review.insights.strengthSuggestions.queryOptions());
  if (data.isSuccess && data.data.length === 0)
    return (
      <EmptyState title="No strength feedback from reviewers yet.">
        <p>
          While reviewing, reviewers mark a subject as too weak, right or too strong (keys q / w /
          e). Their votes are summed here per routing config, and the next retrain draws each voted
          output more often when its votes say right, less when they say too weak or too strong.
        </p>
      </EmptyState>
    );
  return (
    <div className="space-y-4" data-testid="strength-suggestions">
      <p className="max-w-prose text-xs text-slate-600">
        Per subject: reviewers’ votes on how present it is, and a suggested strength = the strength
        used × (1 + 0.25 × mean vote), where too weak = +1 and too strong = −1. The votes also go to
        the next retrain as data: an approved output is drawn up to 1.5× as often when its votes say
        right, down to half as often when they say too weak or too strong.
      </p>
      {(data.data ?? []).map((cfg) => (
        <Table
          key={cfg.routingConfigId ?? 'none'}
          dense
          caption={cfg.name ? `${cfg.name} v${cfg.version}` : 'No routing config'}
          head={['Subject', 'Votes', 'Too weak', 'Right', 'Too strong', 'Used', 'Suggested']}
        >
          {cfg.subjects.map((s) => (
            <tr key={String(s.subjectId)}>
              <td>{String(s.name)}</td>
              <td>{s.votes}</td>
              <td>{s.tooWeak}</td>
              <td>{s.right}</td>
              <td>{s.tooStrong}</td>
              <td>{f2(s.currentStrength)}</td>
              <td className="font-semibold">{f2(s.suggestedStrength)}</td>
            </tr>
          ))}
        </Table>
      ))}
    </div>
  );
}
