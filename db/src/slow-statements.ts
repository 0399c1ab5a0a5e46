// A slow-statement log for the embedded database. PGlite runs PostgreSQL in the web process's own
// thread, so a slow statement there stalls every request of the dashboard for as long as it runs
// (a list of model versions reading every checkpoint blob was found this way). With
// MUSAR_DB_SLOW_MS set, each statement that runs at least that long is reported with its SQL.
import type { PGlite } from '@electric-sql/pglite';

export type TSlowStatement = { ms: number; sql: string; bytesIn: number; bytesOut: number };

const decoder = new TextDecoder();

/** The SQL of the last Parse ('P') or simple Query ('Q') message in a wire-protocol buffer. */
export function lastStatementText(message: Uint8Array, previous = ''): string {
  let sql = previous;
  for (let i = 0; i + 5 <= message.length;) {
    const type = message[i]!;
    const length =
      ((message[i + 1]! << 24) |
        (message[i + 2]! << 16) |
        (message[i + 3]! << 8) |
        message[i + 4]!) >>>
      0;
    if (length < 4) break;
    if (type === 0x50 || type === 0x51) {
      const fields = decoder.decode(message.subarray(i + 5, i + 1 + length)).split('\0');
      sql = (type === 0x50 ? fields[1] : fields[0]) ?? sql;
    }
    i += 1 + length;
  }
  return sql;
}

/** Reports every statement of `pg` that runs for at least `thresholdMs` (wall time of the
 * synchronous execution, so time spent waiting for other statements is not counted). */
export function logSlowStatements(
  pg: PGlite,
  thresholdMs: number,
  report: (s: TSlowStatement) => void = (s) =>
    console.warn(
      `[db] slow statement: ${s.ms.toFixed(0)} ms, ${s.bytesIn} bytes in, ${s.bytesOut} out: ${s.sql.replace(/\s+/g, ' ').slice(0, 300)}`,
    ),
): void {
  const run = pg.execProtocolRawSync.bind(pg);
  let sql = '';
  pg.execProtocolRawSync = (message: Uint8Array) => {
    sql = lastStatementText(message, sql);
    const t0 = performance.now();
    const out = run(message);
    const ms = performance.now() - t0;
    if (ms >= thresholdMs) report({ ms, sql, bytesIn: message.length, bytesOut: out.length });
    return out;
  };
}
