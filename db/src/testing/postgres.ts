// A throwaway Debian PostgreSQL for tests: initdb (as the `postgres` user when we are root) into a
// temp folder, listen on loopback, delete everything on stop. No dependency on vitest.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, chownSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';

export type ThrowawayPostgres = {
  /** URL of the `postgres` database (superuser, trust auth, loopback only). */
  url: string;
  /** URL of another database on the same server. */
  urlFor(database: string): string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
};

/** The bin folder of the newest installed PostgreSQL (Debian layout), or null. */
export function findPostgresBin(): string | null {
  if (process.env.MUSAR_PG_BIN) return process.env.MUSAR_PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter(
      (v) =>
        existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'postgres')),
    )
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolvePort(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = findPostgresBin();
  if (!bin) throw new Error('PostgreSQL binaries not found (apt-get install -y postgresql)');
  const asRoot = userInfo().uid === 0;
  // PostgreSQL refuses to run as root: run it as the `postgres` user Debian's package creates.
  const wrap = (cmd: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  const dataDir = mkdtempSync(join(tmpdir(), 'musar-pg-'));
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dataDir, uid, gid);
  }
  const pgdata = join(dataDir, 'data');
  const [initCmd, initArgs] = wrap(join(bin, 'initdb'), [
    '-D',
    pgdata,
    '-U',
    'postgres',
    '--auth=trust',
    '--encoding=UTF8',
    '--no-locale',
    '--no-sync',
  ]);
  execFileSync(initCmd, initArgs, { stdio: 'pipe' });
  const port = await freePort();
  const [pgCmd, pgArgs] = wrap(join(bin, 'postgres'), [
    '-D',
    pgdata,
    '-p',
    String(port),
    '-k',
    dataDir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'max_connections=200',
  ]);
  const child: ChildProcess = spawn(pgCmd, pgArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
  const urlFor = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const url = urlFor('postgres');
  const stop = async () => {
    const [ctlCmd, ctlArgs] = wrap(join(bin, 'pg_ctl'), [
      '-D',
      pgdata,
      '-m',
      'immediate',
      '-w',
      'stop',
    ]);
    try {
      execFileSync(ctlCmd, ctlArgs, { stdio: 'ignore' });
    } catch {
      child.kill('SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) {
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`postgres exited (${child.exitCode}):\n${log}`);
    }
    const sql = postgres(url, { max: 1, connect_timeout: 1, onnotice: () => {} });
    try {
      await sql`select 1`;
      await sql.end();
      break;
    } catch (error) {
      await sql.end({ timeout: 0 }).catch(() => {});
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`postgres did not start: ${String(error)}\n${log}`, { cause: error });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { url, urlFor, port, dataDir, stop };
}
