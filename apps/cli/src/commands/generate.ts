import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  buildInputs,
  DEFAULT_SAMPLING,
  generate as sample,
  initBackend,
  parseRoutingParams,
  resolveSampling,
  subjectConditionText,
  type MusarModel,
  type TRoutingParamsInput,
} from '@musar/model';
import {
  classWord,
  encodeRgbPng,
  parsePrompt,
  readPngFile,
  tokenize,
  VOCAB,
  type RgbImage,
} from '@musar/toyworld';
import { loadModelDir, toRgb } from '@musar/trainer';
import { intOption, requireOption, UsageError, type TCommandGroup, type TValues } from '../command';

/** Reads and validates the references: PNGs of the model's size, at most maxSubjects of them. */
async function readReferences(paths: string[], model: MusarModel): Promise<RgbImage[]> {
  const S = model.cfg.imageSize;
  if (paths.length === 0) throw new UsageError('give at least one --ref image');
  if (paths.length > model.cfg.maxSubjects)
    throw new UsageError(
      `${paths.length} references, but this model supports at most ${model.cfg.maxSubjects}`,
    );
  return Promise.all(
    paths.map(async (p) => {
      const img = await readPngFile(p).catch((e: Error) => {
        throw new UsageError(`${p}: not a readable PNG image (${e.message})`);
      });
      if (img.width !== S || img.height !== S)
        throw new UsageError(
          `${p}: reference is ${img.width}×${img.height}, this model wants ${S}×${S} (render it at --size ${S})`,
        );
      return img;
    }),
  );
}

export async function readRoutingParams(v: TValues): Promise<TRoutingParamsInput | null> {
  if (v['no-routing'] === true) return null;
  if (typeof v.routing !== 'string') return {};
  try {
    return JSON.parse(await readFile(v.routing, 'utf8')) as TRoutingParamsInput;
  } catch (e) {
    throw new UsageError(`${v.routing}: cannot read routing parameters (${(e as Error).message})`);
  }
}

/** Writes to a temporary name and renames, so a failure never leaves a half-written file. */
export async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(`${path}.tmp`, data);
  await rename(`${path}.tmp`, path);
}

/** Condition text of a reference: the i-th shape the prompt names ("a star toy"), else "a toy". */
export function conditionTexts(prompt: string, k: number): string[] {
  const shapes = parsePrompt(prompt).subjects.map((s) => s.shape);
  return Array.from({ length: k }, (_, i) =>
    subjectConditionText(shapes[i] ? classWord(shapes[i]) : 'toy'),
  );
}

export const generate: TCommandGroup = {
  summary: 'generate one multi-subject image from reference PNGs and a prompt',
  commands: {
    default: {
      summary: 'musar generate --model DIR --ref a.png --ref b.png --prompt "…" --out out.png',
      usage:
        'musar generate --model DIR --ref a.png --ref b.png [--ref c.png] --prompt "…" [--seed N] [--steps N] [--routing params.json | --no-routing] --out out.png [--routing-map map.json] [--backend wasm]',
      options: {
        model: { type: 'string' },
        ref: { type: 'string', multiple: true },
        prompt: { type: 'string' },
        seed: { type: 'string' },
        steps: { type: 'string' },
        routing: { type: 'string' },
        'no-routing': { type: 'boolean' },
        out: { type: 'string' },
        'routing-map': { type: 'string' },
        backend: { type: 'string' },
      },
      async run(v, io) {
        const modelDir = requireOption(v, 'model', this.usage);
        const out = requireOption(v, 'out', this.usage);
        const prompt = typeof v.prompt === 'string' ? v.prompt.trim() : '';
        if (!prompt) throw new UsageError(`--prompt is empty\nusage: ${this.usage}`);
        const unknown = parsePrompt(prompt).unknownWords;
        if (unknown.length)
          io.err(
            `warning: words outside the vocabulary become <unk>: ${unknown.join(', ')} (vocabulary: ${VOCAB.length} words)`,
          );
        const routing = await readRoutingParams(v);
        await initBackend(typeof v.backend === 'string' ? v.backend : process.env.MUSAR_BACKEND);
        const { model, card } = await loadModelDir(modelDir);
        try {
          // --steps, else the model card's `sampling` (steps, guidance), else the sampler's defaults
          const { steps, guidance } = resolveSampling(
            { steps: v.steps === undefined ? undefined : intOption(v, 'steps', 0, 1) },
            card.sampling,
            DEFAULT_SAMPLING,
          );
          const refs = await readReferences((v.ref as string[] | undefined) ?? [], model);
          const k = refs.length;
          if (routing)
            parseRoutingParams(routing, {
              subjects: k,
              grid: model.cfg.imageSize / model.cfg.patchSize,
              depth: model.cfg.depth,
            });
          const S = model.cfg.imageSize;
          const conditions = conditionTexts(prompt, k);
          const inputs = buildInputs(
            model.cfg,
            [
              {
                prompt,
                subjects: refs.map((reference, i) => ({ condition: conditions[i]!, reference })),
              },
            ],
            tokenize,
          );
          const res = sample(model, inputs, {
            steps,
            guidance,
            seed: intOption(v, 'seed', 0),
            ...(routing ? { routing } : {}),
          });
          const image = toRgb((await res.images.data()) as Float32Array, S);
          tf.dispose([res.images, ...Object.values(inputs)]);
          await writeAtomic(out, encodeRgbPng(image));
          if (typeof v['routing-map'] === 'string') {
            const grid = S / model.cfg.patchSize;
            await writeAtomic(
              v['routing-map'],
              JSON.stringify({
                grid,
                map: res.routingMap ? Array.from(res.routingMap) : Array(grid * grid).fill(-1),
              }) + '\n',
            );
          }
          io.out(`${out}: ${k} subject(s), ${routing ? 'dynamic routing' : 'static routing only'}`);
        } finally {
          model.dispose();
        }
      },
    },
  },
};
