// Review items for tests, the load test and the e2e seed: subjects with a reference photo, a
// routing config, a model version, one generation request and its outputs, written directly to the
// database (no worker). Images are small synthetic PNGs whose colours follow the routing map.
import { encode } from 'fast-png';
import { createHash } from 'node:crypto';
import type { Db } from '@musar/db';
import {
  consents,
  generationRequestSubjects,
  generationRequests,
  modelVersions,
  outputs,
  routingConfigs,
  subjectImages,
  subjects,
} from '@musar/db/schema';

export type TSeedOptions = {
  /** consents granted to the seeded subjects (default: generate) */
  consentScopes?: ('generate' | 'train')[];
  count: number;
  subjects?: number;
  consensusK?: number;
  grid?: number;
  size?: number;
  prompt?: string;
};

const COLORS: [number, number, number][] = [
  [220, 40, 40],
  [40, 90, 220],
  [240, 190, 30],
  [40, 170, 80],
];
const BACKGROUND: [number, number, number] = [150, 140, 125];

/** Subject i owns a vertical band of the grid; everything else is background (-1). */
export function bandMap(grid: number, k: number): number[] {
  return Array.from({ length: grid * grid }, (_, i) => {
    const x = i % grid;
    const y = Math.floor(i / grid);
    if (y < grid / 4 || y >= (grid * 3) / 4) return -1;
    const band = Math.floor((x * k) / grid);
    return band < k ? band : -1;
  });
}

export function pngOfMap(cells: number[], grid: number, size: number, seed = 0): Uint8Array {
  const data = new Uint8Array(size * size * 3);
  const px = size / grid;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const owner = cells[Math.floor(y / px) * grid + Math.floor(x / px)]!;
      const c = owner >= 0 ? COLORS[owner % COLORS.length]! : BACKGROUND;
      const jitter = ((x * 7 + y * 13 + seed) % 9) - 4;
      data.set(
        c.map((v) => Math.max(0, Math.min(255, v + jitter))),
        (y * size + x) * 3,
      );
    }
  }
  return encode({ width: size, height: size, data, channels: 3, depth: 8 });
}

export async function seedReviewItems(db: Db, opts: TSeedOptions) {
  const k = opts.subjects ?? 2;
  const grid = opts.grid ?? 8;
  const size = opts.size ?? 32;
  const tag = Math.random().toString(36).slice(2, 8);
  const subjectRows = await db
    .insert(subjects)
    .values(
      Array.from({ length: k }, (_, i) => ({
        name: `Toy ${i + 1} ${tag}`,
        classWord: ['star toy', 'moon toy', 'cube toy', 'drop toy'][i % 4]!,
      })),
    )
    .returning({ id: subjects.id });
  // `generate` consent in force, as any generated item has (outputReadable hides the pixels
  // otherwise); `train` only when asked for
  await db.insert(consents).values(
    subjectRows.flatMap((s) =>
      (opts.consentScopes ?? ['generate']).map((scope) => ({
        subjectId: s.id,
        scope,
        grantedBy: 'Fixture owner',
        evidence: `review fixture ${tag}`,
      })),
    ),
  );
  for (const [i, s] of subjectRows.entries()) {
    const image = pngOfMap(Array(grid * grid).fill(i), grid, size, i);
    await db.insert(subjectImages).values({
      subjectId: s.id,
      image,
      width: size,
      height: size,
      contentHash: createHash('sha256').update(image).digest('hex'),
    });
  }
  const params = {
    startStep: 4,
    layers: [2, 3],
    beta: 8,
    threshold: 0.3,
    smoothing: 1,
    strength: Array(k).fill(1),
  };
  const [config] = await db
    .insert(routingConfigs)
    .values({ name: `default-${tag}`, params })
    .returning({ id: routingConfigs.id });
  const [model] = await db
    .insert(modelVersions)
    .values({ kind: 'adapter', name: `musar-${tag}`, state: 'serving' })
    .returning({ id: modelVersions.id });
  const [request] = await db
    .insert(generationRequests)
    .values({
      prompt: opts.prompt ?? 'a star toy left of a moon toy on grass',
      routingConfigId: config!.id,
      routingParams: params,
      modelVersionId: model!.id,
      count: opts.count,
      consensusK: opts.consensusK ?? 1,
      state: 'succeeded',
      progress: 1,
    })
    .returning({ id: generationRequests.id });
  await db
    .insert(generationRequestSubjects)
    .values(
      subjectRows.map((s, position) => ({ requestId: request!.id, subjectId: s.id, position })),
    );
  const map = bandMap(grid, k);
  const rows = [];
  for (let start = 0; start < opts.count; start += 200) {
    const batch = Array.from({ length: Math.min(200, opts.count - start) }, (_, j) => {
      const index = start + j;
      return {
        requestId: request!.id,
        index,
        image: pngOfMap(map, grid, size, index),
        width: size,
        height: size,
        seed: index,
        routingMap: map,
        modelVersionId: model!.id,
        scores: {
          fidelity: 0.8,
          leakage: 0.1,
          seam: 0.05,
          count: 1,
          relation: 1,
          background: 1,
          detected: k,
          reasons: index % 2 ? ['subject 1 body colour slightly off'] : [],
        },
        // distinct creation times keep queue order = index order
        createdAt: new Date(Date.UTC(2026, 0, 1) + index),
      };
    });
    rows.push(...(await db.insert(outputs).values(batch).returning({ id: outputs.id })));
  }
  return {
    requestId: request!.id,
    routingConfigId: config!.id,
    subjectIds: subjectRows.map((s) => s.id),
    outputIds: rows.map((r) => r.id),
    map,
    grid,
  };
}
