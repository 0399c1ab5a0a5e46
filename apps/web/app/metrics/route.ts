// Prometheus scrape endpoint of the web process: queue depth and age (fleet-wide, from pg-boss),
// and in embedded mode the runner's job durations, outcomes, seconds per image and backend.
import { getServices } from '@/server/services';

export const dynamic = 'force-dynamic';

export async function GET() {
  const { jobs } = await getServices();
  const body = await jobs.metrics.registry.metrics();
  return new Response(body, { headers: { 'content-type': jobs.metrics.registry.contentType } });
}
