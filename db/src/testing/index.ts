// Test harness shared by every workspace: `createTestDb()` gives each test file its own clean,
// migrated database — a PGlite clone of one migrated template per run, or, in the `postgres`
// Vitest project, a fresh database created from a migrated template on a throwaway PostgreSQL.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { inject } from 'vitest';
import { createDb, type DbHandle } from '../client';

export { startThrowawayPostgres, findPostgresBin, type ThrowawayPostgres } from './postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Path of a PGlite data-dir dump of the migrated template (global-setup-pglite). */
    musarPgliteTemplate?: string;
    /** Server URL and template database name (global-setup-postgres). */
    musarPostgres?: { url: string; template: string };
  }
}

let templateDump: Blob | undefined;

/** A clean, migrated database for one test file. Close it in afterAll. */
export async function createTestDb(): Promise<DbHandle> {
  const pg = inject('musarPostgres');
  if (pg) return createPostgresTestDb(pg.url, pg.template);
  return createPgliteTestDb();
}

async function createPgliteTestDb(): Promise<DbHandle> {
  if (!templateDump) {
    const path = inject('musarPgliteTemplate');
    if (path) templateDump = new Blob([readFileSync(path)]);
    else templateDump = await buildPgliteTemplate(); // no global setup: build it here
  }
  const pglite = await PGlite.create({ loadDataDir: templateDump });
  return createDb({ pglite });
}

/** Migrates a fresh in-memory PGlite and returns its data dir as a tarball. */
export async function buildPgliteTemplate(): Promise<Blob> {
  const pglite = await PGlite.create();
  const handle = await createDb({ pglite });
  await handle.migrate();
  const dump = await pglite.dumpDataDir('none');
  await handle.close();
  return dump;
}

async function createPostgresTestDb(serverUrl: string, template: string): Promise<DbHandle> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return createDb({ url: url.toString(), maxConnections: 5 });
}
