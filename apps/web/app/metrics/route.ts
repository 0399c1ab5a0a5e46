// Prometheus scrape endpoint of the web process: queue depth and age (fleet-wide, from pg-boss),
// and in embedded mode the runner's job durations, outcomes, seconds per image and backend.
// A bearer token when MUSAR_METRICS_TOKEN is set (src/server/metrics-auth.ts), checked first.
import { getServices } from '@/server/services';
import { metricsDenied } from '@/server/metrics-auth';

export const dynamic = 'force-dynamic';

export async function GET(request: Request) {
  const denied = metricsDenied(request);
  if (denied) return denied;
  const { jobs } = await getServices();
  const body = await jobs.metrics.registry.metrics();
  return new Response(body, { headers: { 'content-type': jobs.metrics.registry.contentType } });
}
