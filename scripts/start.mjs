#!/usr/bin/env node
// `npm start`: the platform on the embedded database (PGlite in ./.data) with demo users.
// Builds the web app when its production build is missing or older than the sources, then runs
// `next start`; the server applies migrations and creates the demo users on start.
// With DATABASE_URL set (production mode) no demo users are created.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const web = join(root, 'apps', 'web');
const next = join(root, 'node_modules', 'next', 'dist', 'bin', 'next');
const port = process.env.PORT ?? '3000';
const production = Boolean(process.env.DATABASE_URL) || process.env.MUSAR_MODE === 'production';

const env = {
  ...process.env,
  PORT: port,
  MUSAR_DATA_DIR: resolve(process.env.MUSAR_DATA_DIR ?? join(root, '.data')),
  BETTER_AUTH_URL: process.env.BETTER_AUTH_URL ?? `http://localhost:${port}`,
  NEXT_TELEMETRY_DISABLED: '1',
};
if (!production) env.MUSAR_DEMO = process.env.MUSAR_DEMO ?? '1';

/** Newest modification time under the given folders (skipping build output and deps). */
function newest(paths) {
  let latest = 0;
  const walk = (p) => {
    const s = statSync(p, { throwIfNoEntry: false });
    if (!s) return;
    if (s.isDirectory()) {
      for (const name of readdirSync(p)) {
        if (name === 'node_modules' || name === '.next' || name.startsWith('.data')) continue;
        walk(join(p, name));
      }
    } else latest = Math.max(latest, s.mtimeMs);
  };
  paths.forEach(walk);
  return latest;
}

const buildId = join(web, '.next', 'BUILD_ID');
const sources = [
  web,
  join(root, 'packages', 'api', 'src'),
  join(root, 'packages', 'auth', 'src'),
  join(root, 'db', 'src'),
];
if (!existsSync(buildId) || statSync(buildId).mtimeMs < newest(sources)) {
  console.log('[musar] building the web app (next build)…');
  const built = spawnSync(process.execPath, [next, 'build'], { cwd: web, env, stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

console.log(
  `[musar] starting on ${env.BETTER_AUTH_URL} (${production ? 'PostgreSQL' : `embedded PGlite in ${env.MUSAR_DATA_DIR}`})`,
);
// Embedded mode (demo users, their passwords on disk) listens on loopback only; HOST opens it up
// (HOST=0.0.0.0). Production mode binds as Next does unless HOST is set.
const host = process.env.HOST ?? (production ? undefined : '127.0.0.1');
const server = spawn(process.execPath, [next, 'start', '-p', port, ...(host ? ['-H', host] : [])], {
  cwd: web,
  env,
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code) => process.exit(code ?? 0));

// Tell the person at the terminal where to go once the server answers.
const deadline = Date.now() + 120_000;
(async function announce() {
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/trpc/health`);
      if (res.ok) {
        const how =
          env.MUSAR_DEMO === '1'
            ? `sign in with a demo user from ${join(env.MUSAR_DATA_DIR, 'demo-credentials.txt')} (printed above on first start)`
            : 'sign in with your admin account (or the one-time setup link printed above)';
        console.log(`\n  MUSAR Review is running: ${env.BETTER_AUTH_URL}\n  ${how}\n`);
        return;
      }
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
})();
