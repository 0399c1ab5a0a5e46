// What the web benches share: accounts with a password (better-auth's own hash, so the server
// verifies every sign-in), the production server (`next start` of the built app) and sign-in over
// HTTP. Loopback only.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Db } from '@musar/db';
import { account, user } from '@musar/db/schema';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The newest tracked source file the web build bundles (the app, packages, db), or null when
 * git cannot list them (then only a missing build triggers a build). */
function newestSource(): { path: string; mtimeMs: number } | null {
  const ls = spawnSync('git', ['ls-files', '-z', 'apps/web', 'packages', 'db'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (ls.status !== 0) return null;
  let newest: { path: string; mtimeMs: number } | null = null;
  for (const path of ls.stdout.split('\0')) {
    if (!/\.(ts|tsx|js|mjs|css|json)$/.test(path) || /(^|\/)(bench|test)\//.test(path)) continue;
    const full = join(repoRoot, path);
    if (!existsSync(full)) continue;
    const { mtimeMs } = statSync(full);
    if (!newest || mtimeMs > newest.mtimeMs) newest = { path, mtimeMs };
  }
  return newest;
}

/** Builds the web app when there is no production build yet, or when a source file it bundles is
 * newer than the build (a stale build would measure old code). */
export function ensureWebBuild(): void {
  const buildId = join(repoRoot, 'apps/web/.next/BUILD_ID');
  if (existsSync(buildId)) {
    const newest = newestSource();
    if (!newest || newest.mtimeMs <= statSync(buildId).mtimeMs) return;
    console.log(`the production build is older than ${newest.path}: rebuilding it…`);
  } else console.log('no production build: building it (npm run build -w @musar/web)…');
  const built = spawnSync('npm', ['run', 'build', '-w', '@musar/web'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  if (built.status !== 0) throw new Error('web build failed');
}

/** A random password and its better-auth hash (one hash serves every bench account). */
export async function benchPassword(): Promise<{ password: string; hash: string }> {
  const password = randomBytes(12).toString('base64url');
  const fromAuth = createRequire(join(repoRoot, 'packages/auth/package.json'));
  const { hashPassword } = (await import(
    pathToFileURL(fromAuth.resolve('better-auth/crypto')).href
  )) as { hashPassword(p: string): Promise<string> };
  return { password, hash: await hashPassword(password) };
}

/** Inserts users with a credential account, 200 per statement. */
export async function insertAccounts(
  db: Db,
  people: { email: string; role: string; name?: string }[],
  hash: string,
): Promise<void> {
  for (let i = 0; i < people.length; i += 200) {
    const batch = people.slice(i, i + 200).map((p) => ({
      id: randomUUID(),
      email: p.email,
      name: p.name ?? p.email.split('@')[0]!,
      role: p.role,
      emailVerified: true,
    }));
    await db.insert(user).values(batch);
    await db.insert(account).values(
      batch.map((u) => ({
        id: randomUUID(),
        accountId: u.id,
        providerId: 'credential',
        userId: u.id,
        password: hash,
      })),
    );
  }
}

export type TWebServer = {
  base: string;
  process: ChildProcess;
  logs: string[];
  stop(): Promise<void>;
};

/** The benches' `--cpu-prof DIR` flag (parseArgs option): the server's V8 CPU profile is written
 * into DIR when it stops. */
export const CPU_PROF_OPTION = { 'cpu-prof': { type: 'string' } } as const;

/** `next start` of the built app in production mode on 127.0.0.1:port, ready when /api/trpc/health
 * answers. `env` adds to (and overrides) this process's environment. */
export async function startWebServer(
  port: number,
  env: Record<string, string>,
  opts: { readyWithinMs?: number; cpuProfDir?: string } = {},
): Promise<TWebServer> {
  const readyWithinMs = opts.readyWithinMs ?? 180_000;
  // a Node flag, not NODE_OPTIONS (which refuses --cpu-prof)
  const nodeArgs = opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : [];
  if (opts.cpuProfDir) mkdirSync(opts.cpuProfDir, { recursive: true });
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      join(repoRoot, 'node_modules/next/dist/bin/next'),
      'start',
      join(repoRoot, 'apps/web'),
      '-p',
      String(port),
      '-H',
      '127.0.0.1',
    ],
    {
      env: { ...process.env, NODE_ENV: 'production', BETTER_AUTH_URL: base, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const logs: string[] = [];
  child.stdout!.on('data', (d: Buffer) => logs.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
  const stop = async () => {
    // with --cpu-prof, the server's output (e.g. MUSAR_DB_SLOW_MS reports) lands beside the profile
    if (opts.cpuProfDir) writeFileSync(join(opts.cpuProfDir, 'server.log'), logs.join(''));
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    for (let i = 0; i < 30 && child.exitCode === null; i++) await sleep(100);
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  for (const end = Date.now() + readyWithinMs; ; await sleep(500)) {
    if (child.exitCode !== null) throw new Error(`server exited:\n${logs.join('')}`);
    if (Date.now() > end) {
      await stop();
      throw new Error(`server not ready in ${readyWithinMs / 1000} s:\n${logs.join('')}`);
    }
    const ok = await fetch(`${base}/api/trpc/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
  }
  return { base, process: child, logs, stop };
}

/** Signs in over HTTP; returns the session cookie header. */
export async function signIn(base: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/sign-in/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`sign-in ${email}: ${res.status} ${await res.text()}`);
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}
