import type { NextConfig } from 'next';

const config: NextConfig = {
  // Workspace packages ship TypeScript source.
  transpilePackages: ['@musar/api', '@musar/auth', '@musar/db', '@musar/provenance', '@musar/toyworld', '@musar/worker'],
  // Loaded by Node at run time: PGlite brings its own wasm and data files.
  serverExternalPackages: ['@electric-sql/pglite', 'postgres', 'pg-boss', 'piscina', 'pino', 'prom-client'],
  poweredByHeader: false,
  // `npm test` type-checks every workspace with tsc first; the build need not do it again.
  typescript: { ignoreBuildErrors: true },
  typedRoutes: false,
};

export default config;
