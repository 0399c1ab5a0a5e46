// The server's long-lived parts, created once per process (kept on globalThis because Next may
// load this module in more than one bundle).
// first: drop TF.js's duplicate-platform warning (the model code loads later, in this process too)
import '@musar/runner/thread/quiet-tf';
import { createDb, resolveDataDir, type DbHandle } from '@musar/db';
import {
  bootstrap,
  createAuth,
  isProductionMode,
  localTrustedOrigins,
  resolveSecret,
  type Auth,
} from '@musar/auth';
import { registerConsentExpiry } from '@musar/core/consent/expiry';
import { prepareInstanceCredentials, registerShippedModels, seedDemoSubjects } from '@musar/api';
import { startJobSystem, type TJobSystem } from '@musar/runner/embedded';

export type Services = {
  handle: DbHandle;
  auth: Auth;
  baseURL: string;
  /** Origins allowed to post forms to the dashboard (the upload route's Origin check). */
  origins: string[];
  dataDir: string;
  jobs: TJobSystem;
};

const KEY = Symbol.for('musar.web.services');
type Holder = { [KEY]?: Promise<Services> };

export function getServices(): Promise<Services> {
  const holder = globalThis as Holder;
  holder[KEY] ??= init().catch((error: unknown) => {
    delete holder[KEY];
    throw error;
  });
  return holder[KEY];
}

async function init(): Promise<Services> {
  const dataDir = resolveDataDir();
  const port = process.env.PORT ?? '3000';
  const baseURL = process.env.BETTER_AUTH_URL ?? `http://localhost:${port}`;
  const handle = await createDb({ dataDir });
  await handle.migrate();
  const where = handle.driver === 'pglite' ? `PGlite in ${dataDir}` : 'PostgreSQL (DATABASE_URL)';
  console.log(`[musar] database ready: ${where}, migrations applied`);
  const trustedOrigins = localTrustedOrigins(port);
  const origins = [new URL(baseURL).origin, ...trustedOrigins];
  const auth = createAuth({
    db: handle.db,
    secret: resolveSecret(dataDir),
    baseURL,
    trustedOrigins,
    rateLimit: process.env.MUSAR_AUTH_RATE_LIMIT !== 'off',
    trustedProxies: (process.env.MUSAR_TRUSTED_PROXIES ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
  });
  // C2PA signing key and certificate: like the auth secret, made on the first start in embedded
  // mode (not when the first output is stored); MUSAR_C2PA_CERT/KEY in production.
  const signing = await prepareInstanceCredentials(dataDir);
  (signing.credentials ? console.log : console.warn)(`[musar] ${signing.message}`);
  await bootstrap({ db: handle.db, baseURL, dataDir });
  // Demo mode: a few toy subjects with consent on the first start, so an operator can generate at
  // once (audited as demo data; never in production mode).
  if (process.env.MUSAR_DEMO === '1' && !isProductionMode()) {
    const demo = await seedDemoSubjects(handle.db);
    if (demo.created.length)
      console.log(`[musar] demo data: ${demo.created.length} toy subjects with consent`);
  }
  const shipped = await registerShippedModels(handle.db);
  if (shipped.length) console.log(`[musar] serving the shipped models: ${shipped.join(' + ')}`);
  // Job queues (pg-boss on this database; revocations cancel and enqueue jobs through them in
  // their transaction) and, in embedded mode, the runner, whose compute runs in worker threads.
  const jobs = await startJobSystem(handle);
  // Consents that run out end like a revocation: a throttled pg-boss job, once a minute across replicas.
  await registerConsentExpiry(jobs.boss, handle.db);
  if (!isProductionMode()) console.log(`[musar] embedded mode; open ${baseURL}`);
  return { handle, auth, baseURL, origins, dataDir, jobs };
}
