import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { describe, expect, it } from 'vitest';
import { migrationsFolder } from './migrations-folder';

// PGlite-only (the postgres project excludes *.pglite.test.ts): the data step of a migration,
// applied to rows written before it.
describe('migration 0006_request_steps', () => {
  it('moves the sampling steps out of routing_params into generation_requests.steps', async () => {
    const all = migrationsFolder();
    const before = mkdtempSync(join(tmpdir(), 'musar-migrations-'));
    const pg = new PGlite();
    try {
      // the migrations up to (not including) 0006
      cpSync(all, before, { recursive: true });
      const journalPath = join(before, 'meta', '_journal.json');
      const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as {
        entries: { tag: string }[];
      };
      const at = journal.entries.findIndex((e) => e.tag === '0006_request_steps');
      expect(at).toBeGreaterThan(0);
      journal.entries = journal.entries.slice(0, at);
      writeFileSync(journalPath, JSON.stringify(journal));
      const db = drizzle(pg);
      await migrate(db, { migrationsFolder: before });
      await db.execute(sql`insert into generation_requests (prompt, routing_params, count) values
        ('a', '{"beta": 8, "steps": 12}', 1),
        ('b', '{"steps": "7"}', 1),
        ('c', '{"steps": 0, "threshold": 0.4}', 1),
        ('d', '{"beta": 2}', 1),
        ('e', '{"steps": null}', 1),
        ('f', '{"steps": "many"}', 1)`);
      await migrate(db, { migrationsFolder: all });
      const { rows } = await db.execute<{ prompt: string; steps: number; routing_params: unknown }>(
        sql`select prompt, steps, routing_params from generation_requests order by prompt`,
      );
      expect(rows.map((r) => [r.prompt, r.steps, r.routing_params])).toEqual([
        ['a', 12, { beta: 8 }],
        ['b', 7, {}],
        ['c', 20, { threshold: 0.4 }],
        ['d', 20, { beta: 2 }],
        ['e', 20, {}],
        ['f', 20, {}],
      ]);
    } finally {
      await pg.close();
      rmSync(before, { recursive: true, force: true });
    }
  }, 60_000);
});
