import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadAdapter, parseCardSampling, type MusarModel, type TModelSampling } from '@musar/model';
import { readBase } from './loop';

// ---------------------------------------------------------------------------------------------
// Shipped model folders (models/<name>/): weights.safetensors + config.json + card.json. An
// adapter's card names its base folder (relative to the adapter folder), so one path loads both.
// ---------------------------------------------------------------------------------------------

export type TCardFile = {
  name: string;
  kind: 'base' | 'adapter';
  /** adapter only: the base model folder, relative to this folder */
  base?: string;
  stage: string;
  data: string;
  steps: number;
  samples: number;
  wallClockSeconds: number;
  hardware: string;
  backend: string;
  command: string;
  metrics: Record<string, unknown>;
  routingDefaults?: Record<string, unknown>;
  /** The model's own sampling defaults (guidance scales, steps): what `musar eval`, `musar generate`
   * and the platform use when not told otherwise. Validated on read (ZModelSampling). */
  sampling?: TModelSampling;
  notes?: string;
};

export async function readCard(dir: string): Promise<TCardFile> {
  const path = join(dir, 'card.json');
  if (!existsSync(path)) throw new Error(`${dir}: not a model folder (no card.json)`);
  let card: TCardFile;
  try {
    card = JSON.parse(await readFile(path, 'utf8')) as TCardFile;
  } catch (e) {
    throw new Error(`${path}: malformed model card (${(e as Error).message})`, { cause: e });
  }
  const sampling = parseCardSampling(card, path);
  return sampling ? { ...card, sampling } : card;
}

/** Loads a base model, or an adapter together with the base its card names. */
export async function loadModelDir(dir: string): Promise<{ model: MusarModel; card: TCardFile }> {
  const card = await readCard(dir);
  if (card.kind === 'base') return { model: await readBase(dir), card };
  if (!card.base) throw new Error(`${dir}/card.json: an adapter card must name its base folder`);
  const model = await readBase(resolve(dir, card.base));
  try {
    loadAdapter(model, new Uint8Array(await readFile(join(dir, 'weights.safetensors'))));
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, card };
}

/** Copies a run's weights and config into a model folder with its card (written last, atomically). */
export async function exportRun(runDir: string, outDir: string, card: TCardFile): Promise<void> {
  await mkdir(outDir, { recursive: true });
  for (const f of ['weights.safetensors', 'config.json']) {
    await writeFile(join(outDir, `${f}.tmp`), await readFile(join(runDir, f)));
    await rename(join(outDir, `${f}.tmp`), join(outDir, f));
  }
  await writeFile(join(outDir, 'card.json.tmp'), JSON.stringify(card, null, 2) + '\n');
  await rename(join(outDir, 'card.json.tmp'), join(outDir, 'card.json'));
}
