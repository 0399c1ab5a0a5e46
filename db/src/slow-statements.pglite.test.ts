import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastStatementText, logSlowStatements, type TSlowStatement } from './slow-statements';

let pg: PGlite;
const slow: TSlowStatement[] = [];
beforeAll(async () => {
  pg = await PGlite.create();
  logSlowStatements(pg, 80, (s) => slow.push(s));
});
afterAll(() => pg.close());

describe('slow-statement log of the embedded database', () => {
  it('reports a statement over the threshold with its SQL, and not the fast ones', async () => {
    await pg.query('select 1 as fast');
    await pg.query('select pg_sleep($1::float8) as slow', [0.15]);
    await pg.exec('select 2 as also_fast');
    expect(slow).toHaveLength(1);
    expect(slow[0]!.sql).toContain('pg_sleep($1::float8) as slow');
    expect(slow[0]!.ms).toBeGreaterThanOrEqual(80);
    expect(slow[0]!.ms).toBeLessThan(5000);
  });

  it('reads the SQL of Parse and simple Query messages, keeping the last one otherwise', () => {
    const msg = (type: string, body: string) => {
      const b = new TextEncoder().encode(body);
      const out = new Uint8Array(5 + b.length);
      out[0] = type.charCodeAt(0);
      new DataView(out.buffer).setUint32(1, 4 + b.length);
      out.set(b, 5);
      return out;
    };
    expect(lastStatementText(msg('Q', 'select 1\0'))).toBe('select 1');
    expect(lastStatementText(msg('P', 'stmt\0select $1\0\0\0'))).toBe('select $1');
    // Bind/Execute carry no SQL: the statement parsed before is the one running
    expect(lastStatementText(msg('E', '\0\0\0\0\0'), 'select $1')).toBe('select $1');
    expect(lastStatementText(new Uint8Array([0x51, 0, 0]), 'prev')).toBe('prev');
  });
});
