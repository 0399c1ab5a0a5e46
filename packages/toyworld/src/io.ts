// Suite folders on disk: suite.json (prompts, specs, scenes) + refs/<id>-<i>.png (+ truth/<id>.png).
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { readPngFile, writePngFile, type RgbImage } from './image';
import { renderReference } from './render';
import { renderScene } from './scene';
import { scoreImage, type TScore } from './scorer/score';
import {
  buildSuite,
  EVAL_SUITE_NAMES,
  suiteHasReferences,
  ZSuiteItem,
  type TEvalSuiteName,
} from './suites';

export const ZSuiteManifest = z
  .object({
    name: z.enum(EVAL_SUITE_NAMES),
    size: z.number().int().min(8),
    refSize: z.number().int().min(8),
    /** one reference per subject, except in `base` (prompt only): none */
    items: z.array(ZSuiteItem.extend({ references: z.array(z.string()) })).min(1),
  })
  .strict()
  .superRefine((m, ctx) =>
    m.items.forEach((it, i) => {
      const want = suiteHasReferences(m.name) ? it.subjects.length : 0;
      if (it.references.length !== want)
        ctx.addIssue({
          code: 'custom',
          path: ['items', i, 'references'],
          message: `${it.id}: ${it.references.length} references, suite ${m.name} has ${want}`,
        });
    }),
  );
export type TSuiteManifest = z.infer<typeof ZSuiteManifest>;

export type TWriteSuiteOptions = {
  count?: number;
  /** Index of the first item (0: the test split; see `buildSuite`). */
  first?: number;
  size?: number;
  refSize?: number;
  withTruth?: boolean;
};

/** Writes a suite: references, prompts and specs (and, with `withTruth`, ground-truth renders). */
export async function writeSuiteDir(
  dir: string,
  name: TEvalSuiteName,
  o: TWriteSuiteOptions = {},
): Promise<TSuiteManifest> {
  const size = o.size ?? 32;
  const refSize = o.refSize ?? 32;
  const items = buildSuite(name, o.count, o.first).map((item) => ({
    ...item,
    references: suiteHasReferences(name)
      ? item.subjects.map((_, i) => `refs/${item.id}-${i}.png`)
      : [],
  }));
  await mkdir(suiteHasReferences(name) ? join(dir, 'refs') : dir, { recursive: true });
  for (const item of items) {
    await Promise.all(
      item.references.map((path, i) =>
        writePngFile(join(dir, path), renderReference(item.subjects[i]!, refSize)),
      ),
    );
    if (o.withTruth)
      await writePngFile(join(dir, 'truth', `${item.id}.png`), renderScene(item.scene, size).image);
  }
  const manifest: TSuiteManifest = { name, size, refSize, items };
  await writeFile(join(dir, 'suite.json'), JSON.stringify(manifest, null, 1));
  return manifest;
}

export async function readSuiteDir(dir: string): Promise<TSuiteManifest> {
  const path = join(dir, 'suite.json');
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch {
    throw new Error(`${path}: cannot read suite manifest (run \`musar world suite\` first)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new Error(`${path}: malformed JSON (${(err as Error).message})`, { cause: err });
  }
  const parsed = ZSuiteManifest.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new Error(`${path}: invalid at ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return parsed.data;
}

/** Optional routing map next to an image: <id>.routing.json = { grid, map: (subject index | -1)[] }. */
export const ZRoutingFile = z
  .object({ grid: z.number().int().positive(), map: z.array(z.number().int().min(-1)) })
  .refine((r) => r.map.length === r.grid * r.grid, {
    message: 'map must have grid*grid entries',
    path: ['map'],
  });
export type TRoutingFile = z.infer<typeof ZRoutingFile>;

export type TItemResult = {
  id: string;
  prompt: string;
  status: 'scored' | 'missing' | 'error';
  error?: string;
  score?: TScore;
  image?: RgbImage;
  routing?: TRoutingFile;
};

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

/** Scores `<images>/<id>.png` for every suite item; a missing or bad image is reported, the rest scored. */
export async function scoreFolder(
  suiteDir: string,
  imagesDir: string,
): Promise<{ suite: TSuiteManifest; items: TItemResult[] }> {
  const suite = await readSuiteDir(suiteDir);
  const items: TItemResult[] = [];
  for (const item of suite.items) {
    const path = join(imagesDir, `${item.id}.png`);
    const base = { id: item.id, prompt: item.prompt };
    if (!(await exists(path))) {
      items.push({ ...base, status: 'missing', error: `${path}: missing` });
      continue;
    }
    try {
      const image = await readPngFile(path, { width: suite.size, height: suite.size });
      const routingPath = join(imagesDir, `${item.id}.routing.json`);
      let routing: TRoutingFile | undefined;
      if (await exists(routingPath)) {
        const r = ZRoutingFile.safeParse(JSON.parse(await readFile(routingPath, 'utf8')));
        if (!r.success)
          throw new Error(`${routingPath}: invalid routing map (${r.error.issues[0]!.message})`);
        routing = r.data;
      }
      items.push({
        ...base,
        status: 'scored',
        score: scoreImage(image, item.subjects, item.prompt),
        image,
        ...(routing ? { routing } : {}),
      });
    } catch (err) {
      items.push({ ...base, status: 'error', error: (err as Error).message });
    }
  }
  return { suite, items };
}
