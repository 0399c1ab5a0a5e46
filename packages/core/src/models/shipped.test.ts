import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { DbHandle } from '@musar/db';
import { auditLog, modelVersions } from '@musar/db/schema';
import { createTestDb } from '@musar/db/testing';
import { findModelsDir, registerShippedModels } from './shipped';

let handle: DbHandle;
beforeAll(async () => {
  handle = await createTestDb();
});
afterAll(() => handle.close());

async function fakeModels(
  withAdapter: boolean,
  adapterCard: Record<string, unknown> = {},
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'musar-models-'));
  for (const [name, kind] of [
    ['base', 'base'],
    ...(withAdapter ? [['musar', 'adapter']] : []),
  ] as const) {
    await mkdir(join(dir, name));
    await writeFile(
      join(dir, name, 'card.json'),
      JSON.stringify({
        name,
        kind,
        steps: 7,
        metrics: { loss: 0.1 },
        ...(kind === 'adapter' ? adapterCard : {}),
      }),
    );
    await writeFile(join(dir, name, 'config.json'), JSON.stringify({ imageSize: 32 }));
    await writeFile(
      join(dir, name, 'weights.safetensors'),
      new Uint8Array([1, 2, 3, kind === 'base' ? 4 : 5]),
    );
  }
  return dir;
}

describe('registerShippedModels', () => {
  // first: it leaves the database empty for the next test
  it("refuses a card whose sampling is out of range, naming the file, and registers nothing", async () => {
    const dir = await fakeModels(true, {
      sampling: { guidance: { prompt: 999, reference: 3 } },
    });
    await expect(registerShippedModels(handle.db, dir)).rejects.toThrow(
      `${join(dir, 'musar', 'card.json')}: invalid "sampling" in the model card: sampling.guidance.prompt:`,
    );
    expect(await handle.db.select().from(modelVersions)).toHaveLength(0);
  });

  it('registers base and MUSAR adapter as serving on an empty database, once, audited', async () => {
    const sampling = { guidance: { prompt: 1.5, reference: 4.5 } };
    const dir = await fakeModels(true, { sampling });
    expect(findModelsDir(join(dir, 'nowhere'))).toBeNull();
    expect(await registerShippedModels(handle.db, dir)).toEqual(['base', 'musar']);
    const rows = await handle.db.select().from(modelVersions);
    const base = rows.find((r) => r.kind === 'base')!;
    const adapter = rows.find((r) => r.kind === 'adapter')!;
    expect(base.state).toBe('serving');
    expect(adapter.state).toBe('serving');
    expect(adapter.parentId).toBe(base.id);
    expect(Array.from(adapter.checkpoint!)).toEqual([1, 2, 3, 5]);
    expect(Array.from(base.checkpoint!)).toEqual([1, 2, 3, 4]);
    expect([base.sizeBytes, adapter.sizeBytes]).toEqual([4, 4]);
    expect(adapter.trainingSteps).toBe(7);
    // the card is stored as it is: the runner reads its `sampling` from there
    expect(adapter.modelCard?.sampling).toEqual(sampling);
    const audits = await handle.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'model.register_shipped'));
    expect(audits).toHaveLength(2);
    // A second start changes nothing.
    expect(await registerShippedModels(handle.db, dir)).toEqual([]);
    expect(await handle.db.select().from(modelVersions)).toHaveLength(2);
  });

  it('does nothing without a models folder', async () => {
    expect(await registerShippedModels(handle.db, null)).toEqual([]);
  });
});
