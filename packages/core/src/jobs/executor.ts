// pg-boss talks to the database through `executeSql(text, values)`. These adapters let it run on
// PGlite (embedded mode: one in-process database, no pg pool) and inside a drizzle transaction
// (so enqueueing a job commits or rolls back with the rows that asked for it).
import type { PGlite } from '@electric-sql/pglite';
import type { Sql } from 'postgres';
import { sql, type SQL } from 'drizzle-orm';
import { executeRows, type DbOrTx } from '@musar/db';

export type TSqlExecutor = {
  // pg-boss's own db interface types rows as any[].
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  executeSql(text: string, values?: unknown[]): Promise<{ rows: any[] }>;
};

/** pg-boss on a PGlite: parameterless calls may hold several statements (its migrations). */
export function pgliteExecutor(pg: PGlite): TSqlExecutor {
  return {
    async executeSql(text, values) {
      if (values && values.length > 0)
        return { rows: (await pg.query(text, values.map(toPgliteParam))).rows };
      const results = await pg.exec(text);
      return { rows: results.at(-1)?.rows ?? [] };
    },
  };
}

/** pg-boss on the process's postgres.js pool (no second pool). Parameterless calls may hold
 * several statements and their own BEGIN/COMMIT: they run on a reserved connection, simple protocol. */
export function postgresJsExecutor(client: Sql): TSqlExecutor {
  return {
    async executeSql(text, values) {
      if (values && values.length > 0)
        return { rows: [...(await client.unsafe(text, values.map(toTextParam) as never[]))] };
      const reserved = await client.reserve();
      try {
        const result = (await reserved.unsafe(text).simple()) as unknown as unknown[];
        const last =
          Array.isArray(result[0]) || result.length === 0 ? (result.at(-1) ?? []) : result;
        return { rows: [...(last as unknown[])] };
      } finally {
        reserved.release();
      }
    },
  };
}

/** pg-boss statements run on a drizzle database or transaction ($n placeholders → drizzle params). */
export function drizzleExecutor(db: DbOrTx): TSqlExecutor {
  return {
    async executeSql(text, values = []) {
      return { rows: await executeRows(db, toDrizzleSql(text, values)) };
    },
  };
}

export function toDrizzleSql(text: string, values: readonly unknown[]): SQL {
  const parts = text.split(/\$(\d+)/);
  const chunks: SQL[] = parts.map((part, i) => {
    if (i % 2 === 0) return sql.raw(part);
    const index = Number(part) - 1;
    if (index < 0 || index >= values.length)
      throw new Error(`SQL placeholder $${part} has no value`);
    return sql`${toTextParam(values[index])}`;
  });
  return sql.join(chunks, sql.raw(''));
}

/** Parameters as text the server casts: JSON for objects, array literals for arrays. */
function toTextParam(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value))
    return `{${value.map((v) => `"${String(v).replace(/(["\\])/g, '\\$1')}"`).join(',')}}`;
  if (typeof value === 'object') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value;
}

function toPgliteParam(value: unknown): unknown {
  if (value === undefined) return null;
  if (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    !(value instanceof Date)
  )
    return JSON.stringify(value);
  return value;
}
