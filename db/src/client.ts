import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { migrationsFolder } from './migrations-folder';
import * as schema from './schema';
import { logSlowStatements } from './slow-statements';

export type Schema = typeof schema;
/** The drizzle database, whichever driver is behind it. Services take this (or a Tx). */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** A database or a transaction: what a function that only reads and writes needs. */
export type DbOrTx = Db | Tx;
export type Driver = 'pglite' | 'postgres';

export type DbHandle = {
  db: Db;
  driver: Driver;
  /** Applies the committed migrations (idempotent). */
  migrate(): Promise<void>;
  close(): Promise<void>;
};

export type CreateDbOptions = {
  /** postgres:// URL; defaults to DATABASE_URL. When set, PostgreSQL is used. */
  url?: string;
  /** PGlite data folder when no URL; defaults to MUSAR_DATA_DIR, else ./.data. */
  dataDir?: string;
  /** An already open PGlite (tests); wins over url and dataDir. */
  pglite?: PGlite;
  /** postgres.js pool size. */
  maxConnections?: number;
};

/** PostgreSQL when a URL is given (or DATABASE_URL is set), else PGlite in a data folder. */
export async function createDb(options: CreateDbOptions = {}): Promise<DbHandle> {
  const url = options.pglite ? undefined : (options.url ?? process.env.DATABASE_URL);
  if (url) return openPostgres(url, options.maxConnections);
  const pglite = options.pglite ?? (await openPglite(resolveDataDir(options.dataDir)));
  const db = drizzlePglite(pglite, { schema });
  return {
    db: db as unknown as Db,
    driver: 'pglite',
    migrate: () => migratePglite(db, { migrationsFolder: migrationsFolder() }),
    close: async () => {
      if (!pglite.closed) await pglite.close();
    },
  };
}

function openPostgres(url: string, max = 10): DbHandle {
  const client = postgres(url, { max, onnotice: () => {} });
  const db = drizzlePostgres(client, { schema });
  return {
    db: db as unknown as Db,
    driver: 'postgres',
    migrate: () => migratePostgres(db, { migrationsFolder: migrationsFolder() }),
    close: () => client.end({ timeout: 5 }),
  };
}

/** The data folder: the option, else MUSAR_DATA_DIR, else ./.data (absolute). */
export function resolveDataDir(dataDir?: string): string {
  return resolve(/*turbopackIgnore: true*/ dataDir ?? process.env.MUSAR_DATA_DIR ?? '.data');
}

async function openPglite(dataDir: string): Promise<PGlite> {
  // PGlite's own files live in a subfolder so the data folder can hold other things too.
  const dir = resolve(/*turbopackIgnore: true*/ dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  const pg = await PGlite.create(dir);
  const slowMs = Number(process.env.MUSAR_DB_SLOW_MS);
  if (slowMs > 0) logSlowStatements(pg, slowMs);
  return pg;
}

/** Applies the committed migrations to a handle. One path for both drivers. */
export function migrate(handle: DbHandle): Promise<void> {
  return handle.migrate();
}

/** Rows of `db.execute(sql…)`: PGlite returns `{ rows }`, postgres.js an array. */
export async function executeRows<T extends Record<string, unknown>>(
  db: DbOrTx,
  query: Parameters<Db['execute']>[0],
): Promise<T[]> {
  const result: unknown = await db.execute(query);
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
