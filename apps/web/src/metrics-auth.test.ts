// Issue 15, Lower: the web's /metrics behind a bearer token when MUSAR_METRICS_TOKEN is set
// (app/metrics/route.ts asks metricsDenied before it reads a metric).
import { describe, expect, it } from 'vitest';
import { metricsDenied } from './server/metrics-auth';

const scrape = (authorization?: string) =>
  new Request('http://127.0.0.1:3000/metrics', { headers: authorization ? { authorization } : {} });
const token = 'b1f4c0d2e9a7f35c6e8d10a2b4c6d8e0';

describe('/metrics authentication', () => {
  it('with MUSAR_METRICS_TOKEN: 401 without, with a wrong or a prefix of the token; the token passes', async () => {
    const env = { MUSAR_METRICS_TOKEN: token };
    for (const auth of [
      undefined,
      'Bearer wrong',
      `Bearer ${token.slice(0, 10)}`,
      `Basic ${token}`,
      token,
      `Bearer ${token}x`,
    ]) {
      const res = metricsDenied(scrape(auth), env);
      expect(res?.status, String(auth)).toBe(401);
      expect(res!.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await res!.text()).not.toContain(token);
    }
    expect(metricsDenied(scrape(`Bearer ${token}`), env)).toBeNull();
    expect(metricsDenied(scrape(`bearer ${token}`), env)).toBeNull();
  });

  it('without the variable it stays open (embedded mode, loopback)', () => {
    expect(metricsDenied(scrape(), {})).toBeNull();
    expect(metricsDenied(scrape(), { MUSAR_METRICS_TOKEN: '  ' })).toBeNull();
  });
});
