// Who may scrape the web process's /metrics (issue 15, Lower). The metrics name queues, job counts
// and backends — nothing personal, but nothing a visitor needs either, and the web port is public.
// With MUSAR_METRICS_TOKEN set, a scrape needs `Authorization: Bearer <token>` (Prometheus:
// `authorization: { credentials_file: … }` in its scrape job; infra/k8s/web.yaml sets the variable
// from the secret). Without it, /metrics stays open (embedded mode listens on loopback; see
// docs/security.md) — production mode logs a warning once.
import { createHash, timingSafeEqual } from 'node:crypto';

type Env = Record<string, string | undefined>;

const digest = (s: string) => createHash('sha256').update(s).digest();

let warned = false;

/** null = may scrape; else the 401 to answer. */
export function metricsDenied(request: Request, env: Env = process.env): Response | null {
  const token = env.MUSAR_METRICS_TOKEN?.trim();
  if (!token) {
    if (!warned && (env.DATABASE_URL || env.MUSAR_MODE === 'production')) {
      warned = true;
      console.warn('/metrics has no authentication: set MUSAR_METRICS_TOKEN (docs/security.md)');
    }
    return null;
  }
  const header = request.headers.get('authorization') ?? '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  // Compared as digests: constant time, whatever the lengths.
  if (match && timingSafeEqual(digest(match[1]!), digest(token))) return null;
  return new Response('unauthorized\n', {
    status: 401,
    headers: { 'www-authenticate': 'Bearer realm="metrics"', 'content-type': 'text/plain' },
  });
}
