// First start: an empty database gets its first admin from MUSAR_ADMIN_EMAIL/MUSAR_ADMIN_PASSWORD,
// or a one-time sign-up link is printed. Demo mode adds one user per role with random passwords.
// Nothing here ever uses a fixed password.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { and, eq, gt, sql } from 'drizzle-orm';
import { writeAudit, type Db } from '@musar/db';
import { verification } from '@musar/db/schema';
import { MIN_PASSWORD_LENGTH } from './auth';
import { ROLES } from './permissions';
import { countUsers, createUserWithPassword, findUserByEmail, newUserProblem } from './users';

type Env = Record<string, string | undefined>;
type Log = (line: string) => void;

/** Production mode: a real PostgreSQL (DATABASE_URL) or MUSAR_MODE=production. */
export function isProductionMode(env: Env = process.env): boolean {
  return Boolean(env.DATABASE_URL) || env.MUSAR_MODE === 'production';
}

/** Origins allowed to post to the auth routes and the upload route besides the public URL's:
 * the local ones in embedded mode only — production trusts its public URL alone. */
export function localTrustedOrigins(port: string, env: Env = process.env): string[] {
  return isProductionMode(env) ? [] : [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
}

/** A secret copied from an example (`change-me-to-at-least-32-random-characters`) or with
 * hardly any variety (`xxxxxxxx…`): long enough, but not secret. */
export function looksLikePlaceholder(secret: string): boolean {
  return (
    /change.?me|placeholder|replace.?(me|with)|example|your.?secret/i.test(secret) ||
    new Set(secret).size < 10
  );
}

/** BETTER_AUTH_SECRET; in embedded mode one is generated once and kept in the data folder. */
export function resolveSecret(dataDir: string, env: Env = process.env): string {
  const fromEnv = env.BETTER_AUTH_SECRET;
  if (fromEnv) {
    if (fromEnv.length < 32) throw new Error('BETTER_AUTH_SECRET must be at least 32 characters');
    if (looksLikePlaceholder(fromEnv))
      throw new Error(
        'BETTER_AUTH_SECRET is a placeholder (e.g. the one in infra/k8s/secrets.yaml): use a random value, e.g. openssl rand -base64 32',
      );
    return fromEnv;
  }
  if (isProductionMode(env)) throw new Error('BETTER_AUTH_SECRET is required in production mode');
  const file = join(dataDir, 'auth-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}

const SETUP_IDENTIFIER = 'musar:first-admin-setup';
const SETUP_TTL_MS = 24 * 60 * 60 * 1000;
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

export type BootstrapResult =
  | { state: 'ready' }
  | { state: 'admin-created'; email: string }
  | { state: 'setup-link'; url: string };

/** Makes sure an empty database gets an admin; never with a fixed password. */
export async function ensureFirstAdmin(opts: {
  db: Db;
  baseURL: string;
  env?: Env;
  log?: Log;
}): Promise<BootstrapResult> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? console.log;
  if ((await countUsers(opts.db)) > 0) return { state: 'ready' };
  const email = env.MUSAR_ADMIN_EMAIL;
  const password = env.MUSAR_ADMIN_PASSWORD;
  if (email && password) {
    if (password.length < MIN_PASSWORD_LENGTH) {
      throw new Error(`MUSAR_ADMIN_PASSWORD must be at least ${MIN_PASSWORD_LENGTH} characters`);
    }
    const problem = newUserProblem({ email, name: 'Administrator' });
    if (problem) throw new Error(`MUSAR_ADMIN_EMAIL: ${problem}`);
    await opts.db.transaction((tx) =>
      createUserWithPassword(
        tx,
        { email, name: 'Administrator', role: 'admin', password },
        'system',
      ),
    );
    log(`[musar] first admin created: ${email} (password from MUSAR_ADMIN_PASSWORD)`);
    return { state: 'admin-created', email };
  }
  const token = randomBytes(32).toString('base64url');
  await opts.db.transaction(async (tx) => {
    await tx.delete(verification).where(eq(verification.identifier, SETUP_IDENTIFIER));
    await tx.insert(verification).values({
      id: randomUUID(),
      identifier: SETUP_IDENTIFIER,
      value: sha256(token),
      expiresAt: new Date(Date.now() + SETUP_TTL_MS),
    });
  });
  const url = `${opts.baseURL.replace(/\/$/, '')}/setup?token=${token}`;
  log(`[musar] no users yet. Create the first admin (link valid 24 h, works once):\n  ${url}`);
  return { state: 'setup-link', url };
}

export class SetupError extends Error {}

/** Redeems the one-time link: creates the first admin if the token is valid and no user exists. */
export async function completeFirstAdminSetup(
  db: Db,
  input: { token: string; email: string; name: string; password: string },
) {
  if (input.password.length < MIN_PASSWORD_LENGTH) {
    throw new SetupError(`Password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  // The rule better-auth's sign-in applies, checked before the token is looked at: a refused
  // e-mail never spends the link (and the token is deleted in the creating transaction only).
  const problem = newUserProblem(input);
  if (problem) throw new SetupError(problem);
  return db.transaction(async (tx) => {
    // Serialise concurrent redemptions (PostgreSQL); PGlite is single-connection anyway.
    await tx.execute(sql`select pg_advisory_xact_lock(7201)`);
    const [row] = await tx
      .select()
      .from(verification)
      .where(
        and(eq(verification.identifier, SETUP_IDENTIFIER), gt(verification.expiresAt, new Date())),
      );
    const expected = Buffer.from(row?.value ?? '0'.repeat(64), 'hex');
    const given = Buffer.from(sha256(input.token), 'hex');
    if (!row || !timingSafeEqual(expected, given))
      throw new SetupError('This setup link is invalid or expired');
    if ((await countUsers(tx)) > 0) throw new SetupError('An admin already exists');
    await tx.delete(verification).where(eq(verification.identifier, SETUP_IDENTIFIER));
    return createUserWithPassword(
      tx,
      { email: input.email, name: input.name, role: 'admin', password: input.password },
      'system',
    );
  });
}

export const DEMO_EMAIL_DOMAIN = 'demo.musar.local';
export const demoEmail = (role: string) => `${role}@${DEMO_EMAIL_DOMAIN}`;

/** Demo mode (MUSAR_DEMO=1): one user per role with random passwords, printed once and kept in
 * <dataDir>/demo-credentials.txt. Refused in production mode. */
export async function seedDemoUsers(opts: {
  db: Db;
  dataDir: string;
  env?: Env;
  log?: Log;
}): Promise<{ created: boolean; file: string }> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? console.log;
  if (isProductionMode(env)) throw new Error('Demo users are never created in production mode');
  const file = join(opts.dataDir, 'demo-credentials.txt');
  if (await findUserByEmail(opts.db, demoEmail('admin'))) {
    log(`[musar] demo users exist; their passwords are in ${file}`);
    return { created: false, file };
  }
  const lines: string[] = [];
  await opts.db.transaction(async (tx) => {
    for (const role of ROLES) {
      const password = randomBytes(12).toString('base64url');
      const name = `Demo ${role}`;
      await createUserWithPassword(tx, { email: demoEmail(role), name, role, password }, 'system');
      lines.push(`${role.padEnd(9)} ${demoEmail(role)}  ${password}`);
    }
    await writeAudit(tx, {
      actor: 'system',
      action: 'demo.seed',
      targetType: 'user',
      after: { roles: ROLES },
    });
  });
  mkdirSync(opts.dataDir, { recursive: true });
  writeFileSync(file, `# MUSAR Review demo users (role, e-mail, password)\n${lines.join('\n')}\n`, {
    mode: 0o600,
  });
  chmodSync(file, 0o600);
  log(`[musar] demo users (passwords shown once; also in ${file}):\n  ${lines.join('\n  ')}`);
  return { created: true, file };
}

/** Reads the demo credentials file: role → { email, password }. */
export function readDemoCredentials(
  dataDir: string,
): Record<string, { email: string; password: string }> {
  const out: Record<string, { email: string; password: string }> = {};
  for (const line of readFileSync(join(dataDir, 'demo-credentials.txt'), 'utf8').split('\n')) {
    const [role, email, password] = line.trim().split(/\s+/);
    if (role && email && password && !role.startsWith('#')) out[role] = { email, password };
  }
  return out;
}

/** Startup sequence shared by `npm start` and the web server. */
export async function bootstrap(opts: {
  db: Db;
  baseURL: string;
  dataDir: string;
  env?: Env;
  log?: Log;
}) {
  const env = opts.env ?? process.env;
  const demo = env.MUSAR_DEMO === '1' && !isProductionMode(env);
  if (env.MUSAR_DEMO === '1' && !demo)
    (opts.log ?? console.log)('[musar] MUSAR_DEMO ignored in production mode');
  if (demo) {
    if (env.MUSAR_ADMIN_EMAIL && env.MUSAR_ADMIN_PASSWORD) await ensureFirstAdmin(opts);
    await seedDemoUsers(opts);
    return;
  }
  await ensureFirstAdmin(opts);
}
