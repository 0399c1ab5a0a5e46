import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { eq } from 'drizzle-orm';
import { writeAudit, type Db } from '@musar/db';
import { parseCardSampling } from '@musar/model/sampling';
import { modelVersions } from '@musar/db/schema';
import { writeCheckpoint } from './checkpoint-io';

// The models shipped in the repository (models/base, models/musar) become the serving versions of
// a fresh database, so the first generation uses the trained MUSAR adapter rather than noise.

/** models/ of the repository: MUSAR_MODELS_DIR, else found from the working directory. */
export function findModelsDir(cwd = process.cwd()): string | null {
  const candidates = [
    process.env.MUSAR_MODELS_DIR,
    join(cwd, 'models'),
    join(cwd, '..', 'models'),
    join(cwd, '..', '..', 'models'),
  ];
  for (const c of candidates) if (c && existsSync(join(c, 'base', 'card.json'))) return resolve(c);
  return null;
}

type TShipped = {
  card: Record<string, unknown>;
  config: Record<string, unknown>;
  weights: Uint8Array;
};

async function readShipped(dir: string): Promise<TShipped | null> {
  if (!existsSync(join(dir, 'card.json'))) return null;
  const [card, config, weights] = await Promise.all([
    readFile(join(dir, 'card.json'), 'utf8'),
    readFile(join(dir, 'config.json'), 'utf8'),
    readFile(join(dir, 'weights.safetensors')),
  ]);
  const parsed = JSON.parse(card) as Record<string, unknown>;
  // the card's sampling defaults are what generation uses: refused here, not at every generation
  parseCardSampling(parsed, join(dir, 'card.json'));
  return {
    card: parsed,
    config: JSON.parse(config) as Record<string, unknown>,
    weights: new Uint8Array(weights),
  };
}

/**
 * Registers models/base (+ models/musar on it) as serving versions when the database has no base
 * model yet; does nothing otherwise. One transaction, audited. Returns what it registered.
 */
export async function registerShippedModels(
  db: Db,
  modelsDir: string | null = findModelsDir(),
): Promise<string[]> {
  if (!modelsDir) return [];
  const existing = await db
    .select({ id: modelVersions.id })
    .from(modelVersions)
    .where(eq(modelVersions.kind, 'base'))
    .limit(1);
  if (existing.length) return [];
  const base = await readShipped(join(modelsDir, 'base'));
  if (!base) return [];
  const musar = await readShipped(join(modelsDir, 'musar'));
  return db.transaction(async (tx) => {
    const now = new Date();
    const insert = async (
      name: string,
      kind: 'base' | 'adapter',
      m: TShipped,
      parentId: string | null,
    ) => {
      const [row] = await tx
        .insert(modelVersions)
        .values({
          kind,
          name,
          parentId,
          state: 'serving',
          config: m.config,
          metrics: (m.card.metrics as Record<string, unknown>) ?? {},
          modelCard: m.card,
          trainingSteps: Number(m.card.steps ?? 0),
          promotedAt: now,
        })
        .returning({ id: modelVersions.id });
      // the weights (and size_bytes) in pieces, in this transaction
      await writeCheckpoint(tx, row!.id, m.weights);
      await writeAudit(tx, {
        actor: 'system',
        action: 'model.register_shipped',
        targetType: 'model_version',
        targetId: row!.id,
        after: { name, kind, state: 'serving', source: `models/${name}` },
      });
      return row!.id;
    };
    const baseId = await insert('base', 'base', base, null);
    const names = ['base'];
    if (musar) {
      await insert('musar', 'adapter', musar, baseId);
      names.push('musar');
    }
    return names;
  });
}
