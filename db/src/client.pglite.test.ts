import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDb } from './index';
import { subjects } from './schema';

// PGlite-only: the embedded data folder. (The postgres project excludes *.pglite.test.ts.)
describe('PGlite data folder', () => {
  it('persists across restarts and migrates idempotently', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'musar-data-'));
    try {
      const first = await createDb({ dataDir: dir, url: '' });
      expect(first.driver).toBe('pglite');
      await first.migrate();
      await first.db.insert(subjects).values({ name: 'Kept', classWord: 'cube toy' });
      await first.close();
      const second = await createDb({ dataDir: dir, url: '' });
      await second.migrate();
      const rows = await second.db.select().from(subjects);
      expect(rows.map((r) => r.name)).toEqual(['Kept']);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
