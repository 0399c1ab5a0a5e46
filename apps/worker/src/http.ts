// The worker's tiny HTTP surface: GET /metrics (Prometheus) and GET /healthz.
import { createServer, type Server } from 'node:http';
import type { TMetrics } from '@musar/runner/metrics';

/** Binds `host` (loopback by default: /metrics carries no authentication). */
export function serveMetrics(
  metrics: TMetrics,
  port: number,
  isHealthy: () => boolean = () => true,
  host = '127.0.0.1',
): Promise<Server> {
  const server = createServer(async (req, res) => {
    if (req.url === '/metrics') {
      const body = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body);
    } else if (req.url === '/healthz') {
      const ok = isHealthy();
      res
        .writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ ok }));
    } else res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}
