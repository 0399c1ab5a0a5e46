import { z } from 'zod';
import { DATASET_KINDS, sampleAt, type TSample } from './samples';

export const ZStreamOptions = z
  .object({
    kind: z.enum(DATASET_KINDS),
    seed: z.number().int().nonnegative(),
    size: z.number().int().min(8).max(512).default(32),
    refSize: z.number().int().min(8).max(512).default(32),
    start: z.number().int().nonnegative().default(0),
    count: z.number().int().positive().optional(),
    /** data-parallel sharding: this stream yields indices i with i % shards === shard */
    shard: z.number().int().nonnegative().default(0),
    shards: z.number().int().positive().default(1),
  })
  .strict()
  .refine((o) => o.shard < o.shards, { message: 'shard must be < shards', path: ['shard'] });
export type TStreamOptions = z.input<typeof ZStreamOptions>;

/**
 * An endless (or `count`-long) seeded stream of samples, generated on the fly: nothing is stored,
 * and sample i is identical whichever shard or restart produces it.
 */
export function* streamDataset(options: TStreamOptions): Generator<TSample> {
  const o = ZStreamOptions.parse(options);
  const end = o.count === undefined ? Infinity : o.start + o.count;
  let i = o.start;
  while (i % o.shards !== o.shard) i++;
  for (; i < end; i += o.shards)
    yield sampleAt(o.kind, o.seed, i, { size: o.size, refSize: o.refSize });
}

/** Mixes kinds by weight (e.g. stage 2: pairs and diptychs), deterministic in (seed, index). */
export function* streamMixture(
  weights: Partial<Record<(typeof DATASET_KINDS)[number], number>>,
  options: Omit<TStreamOptions, 'kind'>,
): Generator<TSample> {
  const entries = Object.entries(weights).filter(([, w]) => (w ?? 0) > 0) as [
    (typeof DATASET_KINDS)[number],
    number,
  ][];
  if (entries.length === 0) throw new Error('streamMixture: give at least one positive weight');
  const total = entries.reduce((s, [, w]) => s + w, 0);
  const o = ZStreamOptions.parse({ ...options, kind: entries[0]![0] });
  const end = o.count === undefined ? Infinity : o.start + o.count;
  for (
    let i = o.start + ((((o.shard - o.start) % o.shards) + o.shards) % o.shards);
    i < end;
    i += o.shards
  ) {
    let u = (((Math.imul(i + 1, 0x9e3779b1) ^ o.seed) >>> 0) / 4294967296) * total;
    const kind = entries.find(([, w]) => (u -= w) < 0)?.[0] ?? entries[0]![0];
    yield sampleAt(kind, o.seed, i, { size: o.size, refSize: o.refSize });
  }
}
