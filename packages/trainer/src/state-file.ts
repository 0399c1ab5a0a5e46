import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { decodeSafetensors, encodeSafetensors, type TNamedArray } from '@musar/model';

// ---------------------------------------------------------------------------------------------
// One file per active run, committed so the next stretch of work resumes exactly: the run
// folder's live weights, optimizer moments, EMA, step, data position (the step: batches are a
// pure function of it), recent losses, learning curve and config, as one safetensors file. The
// EMA weights are stored once (weights.safetensors and the trainer state's ema.* are the same
// numbers), so a 1.3 M-parameter base run packs to about 4 × 5.2 MB.
// ---------------------------------------------------------------------------------------------

const FILES = ['live.safetensors', 'weights.safetensors', 'trainer.safetensors'] as const;
const PREFIX = {
  'live.safetensors': 'live/',
  'weights.safetensors': 'ema/',
  'trainer.safetensors': 'trainer/',
} as const;

/** Packs a run folder into one file's bytes. */
export async function packRun(runDir: string): Promise<Uint8Array> {
  const arrays: TNamedArray[] = [];
  const meta: Record<string, string> = { format: 'musar-run-state' };
  for (const f of FILES) {
    const path = join(runDir, f);
    if (!existsSync(path))
      throw new Error(`${runDir}: no ${f} to pack (has the run checkpointed?)`);
    const { tensors, metadata } = decodeSafetensors(new Uint8Array(await readFile(path)));
    meta[`meta:${f}`] = JSON.stringify(metadata);
    for (const [name, t] of tensors) {
      // trainer.safetensors repeats the EMA weights as ema.<name>: kept once, under ema/.
      if (f === 'trainer.safetensors' && name.startsWith('ema.')) continue;
      arrays.push({ ...t, name: PREFIX[f] + name });
    }
  }
  meta['state.json'] = await readFile(join(runDir, 'state.json'), 'utf8');
  meta['config.json'] = await readFile(join(runDir, 'config.json'), 'utf8');
  return encodeSafetensors(arrays, meta);
}

/** The step recorded in a packed state (or a run folder's state.json); -1 when there is none. */
export async function stepOf(path: string): Promise<number> {
  if (!existsSync(path)) return -1;
  if (path.endsWith('.json'))
    return (JSON.parse(await readFile(path, 'utf8')) as { step: number }).step;
  const bytes = new Uint8Array(await readFile(path));
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as {
    __metadata__?: Record<string, string>;
  };
  const state = header.__metadata__?.['state.json'];
  return state ? (JSON.parse(state) as { step: number }).step : -1;
}

/** Unpacks a packed state into a run folder (overwriting its checkpoint files). */
export async function unpackRun(bytes: Uint8Array, runDir: string): Promise<void> {
  const { tensors, metadata } = decodeSafetensors(bytes);
  if (metadata.format !== 'musar-run-state')
    throw new Error('not a packed run state (format ≠ musar-run-state)');
  await mkdir(runDir, { recursive: true });
  const ema = [...tensors.values()].filter((t) => t.name.startsWith('ema/'));
  for (const f of FILES) {
    const own = [...tensors.values()]
      .filter((t) => t.name.startsWith(PREFIX[f]))
      .map((t) => ({ ...t, name: t.name.slice(PREFIX[f].length) }));
    if (f === 'trainer.safetensors')
      own.push(...ema.map((t) => ({ ...t, name: `ema.${t.name.slice(4)}` })));
    await writeAtomic(
      join(runDir, f),
      encodeSafetensors(own, JSON.parse(metadata[`meta:${f}`] ?? '{}') as Record<string, string>),
    );
  }
  await writeAtomic(join(runDir, 'state.json'), metadata['state.json']!);
  await writeAtomic(join(runDir, 'config.json'), metadata['config.json']!);
}

/**
 * Makes the run folder hold the newest of (run folder, packed file): a machine found as it was
 * left may hold a newer local state than the committed one. Returns which one won.
 */
export async function adoptNewest(
  runDir: string,
  stateFile: string,
): Promise<'file' | 'run' | 'none'> {
  const [fileStep, runStep] = await Promise.all([
    stepOf(stateFile),
    stepOf(join(runDir, 'state.json')),
  ]);
  if (fileStep < 0 && runStep < 0) return 'none';
  if (fileStep > runStep) {
    await unpackRun(new Uint8Array(await readFile(stateFile)), runDir);
    return 'file';
  }
  return 'run';
}

/** Packs the run folder into `stateFile` (written atomically, in place). */
export async function savePacked(runDir: string, stateFile: string): Promise<number> {
  const bytes = await packRun(runDir);
  await mkdir(dirname(stateFile), { recursive: true });
  await writeAtomic(stateFile, bytes);
  return bytes.length;
}

async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await writeFile(`${path}.tmp`, data);
  await rename(`${path}.tmp`, path);
}
