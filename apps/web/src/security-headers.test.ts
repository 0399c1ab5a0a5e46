// Issue 15, Lower: security headers on every response (next.config.ts `headers()`). The e2e spec
// `e2e/tests/security.spec.ts` checks them on the running production server.
import { describe, expect, it } from 'vitest';
import config from '../next.config';

describe('security headers', () => {
  it('every path gets CSP with frame-ancestors none, nosniff, a Referrer-Policy and DENY framing', async () => {
    const rules = await config.headers!();
    const all = rules.find((r) => r.source === '/:path*');
    expect(all).toBeDefined();
    const header = (key: string) => all!.headers.find((h) => h.key === key)?.value;
    const csp = header('Content-Security-Policy')!;
    expect(csp).toMatch(/(^|; )frame-ancestors 'none'(;|$)/);
    expect(csp).toMatch(/(^|; )default-src 'self'(;|$)/);
    expect(csp).toMatch(/(^|; )object-src 'none'(;|$)/);
    expect(header('X-Content-Type-Options')).toBe('nosniff');
    expect(header('Referrer-Policy')).toBe('same-origin');
    expect(header('X-Frame-Options')).toBe('DENY');
  });
});
