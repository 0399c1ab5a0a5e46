'use client';
// A request's images for its operator: thumbnails with their review state, each a link to the
// image on the request's page. Polled while any image still waits for review.
import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/trpc/client';
import { stateLabel } from '@/ui/format';
import { Badge } from '@/ui/kit';

export const OUTPUT_TONE = {
  pending_review: 'amber',
  approved: 'emerald',
  rejected: 'rose',
  withdrawn: 'slate',
} as const;

export function useRequestOutputs(requestId: string, enabled = true) {
  const trpc = useTRPC();
  return useQuery({
    ...trpc.generation.outputs.queryOptions({ requestId }),
    enabled,
    refetchInterval: (q) =>
      q.state.data?.some((o) => o.state === 'pending_review') ? 5000 : false,
  });
}

export function OutputThumbs({ requestId, expected }: { requestId: string; expected: number }) {
  const outs = useRequestOutputs(requestId, expected > 0);
  if (!outs.data?.length) return null;
  return (
    <ul className="flex flex-wrap gap-1.5" data-testid="request-outputs">
      {outs.data.map((o) => (
        <li key={o.id} data-testid="request-output" data-state={o.state}>
          <Link
            href={`/generation/${requestId}#output-${o.index + 1}`}
            className="block text-center"
            title={`Image ${o.index + 1}: ${stateLabel(o.state)}`}
          >
            {o.image ? (
              <img
                src={o.image}
                alt={`Image ${o.index + 1} (${stateLabel(o.state)})`}
                width={48}
                height={48}
                className="h-12 w-12 rounded ring-1 ring-slate-200 [image-rendering:pixelated]"
              />
            ) : (
              <span className="flex h-12 w-12 items-center justify-center rounded bg-slate-100 text-[10px] text-slate-700">
                hidden
              </span>
            )}
            <Badge tone={OUTPUT_TONE[o.state]}>{stateLabel(o.state)}</Badge>
          </Link>
        </li>
      ))}
    </ul>
  );
}
