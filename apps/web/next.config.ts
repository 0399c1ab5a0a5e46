import type { NextConfig } from 'next';

const dev = process.env.NODE_ENV !== 'production';

/** Sent with every response (issue 15, Lower): no framing (the keyboard-driven review page could
 * be clickjacked), no MIME sniffing, no URL (setup tokens) in cross-origin referrers. Next's App
 * Router streams its payload in inline scripts, hence 'unsafe-inline' for scripts; images are
 * data: URLs (outputs, references) and blob: previews of uploads. */
export const securityHeaders: { key: string; value: string }[] = [
  {
    key: 'Content-Security-Policy',
    value: [
      "default-src 'self'",
      `script-src 'self' 'unsafe-inline'${dev ? " 'unsafe-eval'" : ''}`,
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob:",
      "font-src 'self' data:",
      `connect-src 'self'${dev ? ' ws: wss:' : ''}`,
      "object-src 'none'",
      "base-uri 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; '),
  },
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'same-origin' },
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
  { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=()' },
];

const config: NextConfig = {
  // Workspace packages ship TypeScript source.
  transpilePackages: [
    '@musar/api',
    '@musar/auth',
    '@musar/db',
    '@musar/provenance',
    '@musar/toyworld',
    '@musar/worker',
  ],
  // Loaded by Node at run time: PGlite brings its own wasm and data files.
  serverExternalPackages: [
    '@electric-sql/pglite',
    'postgres',
    'pg-boss',
    'piscina',
    'pino',
    'prom-client',
  ],
  poweredByHeader: false,
  // `npm test` type-checks every workspace with tsc first; the build need not do it again.
  typescript: { ignoreBuildErrors: true },
  typedRoutes: false,
  async headers() {
    return [{ source: '/:path*', headers: securityHeaders }];
  },
};

export default config;
