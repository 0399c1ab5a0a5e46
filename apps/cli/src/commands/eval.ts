import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  buildInputs,
  DEFAULT_SAMPLING,
  generate as sample,
  GUIDANCE_MAX,
  GUIDANCE_MIN,
  initBackend,
  resolveSampling,
  ZSampleOptions,
} from '@musar/model';
import { encodeRgbPng, readPngFile, conditionText, tokenize } from '@musar/toyworld';
import { readSuiteDir, scoreFolder } from '@musar/toyworld/io';
import { writeReport } from '@musar/toyworld/report';
import { loadModelDir, toRgb, type TMetrics } from '@musar/trainer';
import { intOption, numberOption, requireOption, UsageError, type TCommandGroup } from '../command';
import { readRoutingParams, writeAtomic } from './generate';

/**
 * Scores `<outDir>/images/<id>.png` for the given items of a suite folder and writes report.md,
 * report.json, contact.png and metrics.json. Both metrics.json and the report take their numbers
 * from one aggregation (`summariseScores`), so e.g. the seam rate is the same in both.
 */
export async function writeEvalResults(
  outDir: string,
  suiteDir: string,
  ids: string[],
  header: Record<string, unknown>,
) {
  const keep = new Set(ids);
  const scored = await scoreFolder(suiteDir, join(outDir, 'images'));
  scored.items = scored.items.filter((x) => keep.has(x.id));
  scored.suite = { ...scored.suite, items: scored.suite.items.filter((x) => keep.has(x.id)) };
  const { summary: report } = await writeReport(outDir, suiteDir, scored);
  const metrics: TMetrics = report.metrics;
  const baseScore =
    scored.suite.name === 'base'
      ? {
          shape: metrics.shape,
          body: metrics.namedBody,
          count: metrics.count,
          relation: metrics.relation,
          background: metrics.background,
        }
      : undefined;
  const summary = {
    ...header,
    suite: scored.suite.name,
    metrics,
    ...(baseScore ? { baseScore } : {}),
    // the same numbers per arrangement the prompts ask for ("left of", "above", …)
    byArrangement: report.byArrangement,
    // per-subject numbers by the reference's shape (which silhouettes a model loses)
    bySubjectShape: report.bySubjectShape,
  };
  await writeAtomic(join(outDir, 'metrics.json'), JSON.stringify(summary, null, 2) + '\n');
  return summary;
}

export const evaluate: TCommandGroup = {
  summary:
    'generate an evaluation suite (base, single, two-/three-/four-subject) with a model and score it',
  commands: {
    default: {
      summary: 'musar eval --model DIR --suite DIR --out DIR',
      usage:
        'musar eval --model DIR --suite DIR (from `musar world suite`) --out DIR [--count N] [--steps N] [--guidance P] [--reference-guidance R] [--method euler|heun] [--seed N] [--routing params.json | --no-routing] [--batch N] [--backend wasm] — steps and guidance not given: the model card "sampling", else 20 steps, guidance 3 (reference = prompt)',
      options: {
        model: { type: 'string' },
        suite: { type: 'string' },
        out: { type: 'string' },
        count: { type: 'string' },
        steps: { type: 'string' },
        guidance: { type: 'string' },
        'reference-guidance': { type: 'string' },
        method: { type: 'string' },
        seed: { type: 'string' },
        routing: { type: 'string' },
        'no-routing': { type: 'boolean' },
        batch: { type: 'string' },
        backend: { type: 'string' },
      },
      async run(v, io) {
        const modelDir = requireOption(v, 'model', this.usage);
        const suiteDir = requireOption(v, 'suite', this.usage);
        const outDir = requireOption(v, 'out', this.usage);
        // Flags are checked here, before any loading; an absent one falls back to the model
        // card's `sampling`, then to the defaults (resolveSampling, once the card is read).
        const given = (name: string, parse: () => number) =>
          v[name] === undefined ? undefined : parse();
        const explicit = {
          steps: given('steps', () => intOption(v, 'steps', 0, 1)),
          prompt: given('guidance', () =>
            numberOption(v, 'guidance', 0, GUIDANCE_MIN, GUIDANCE_MAX),
          ),
          reference: given('reference-guidance', () =>
            numberOption(v, 'reference-guidance', 0, GUIDANCE_MIN, GUIDANCE_MAX),
          ),
        };
        // the sampler's own schema says which methods exist (one rule), checked before any loading
        const methods = ZSampleOptions.shape.method.unwrap().options;
        const method = methods.find((m) => m === (v.method ?? 'euler'));
        if (!method)
          throw new UsageError(
            `--method must be ${methods.join(' or ')} (got ${String(v.method)})`,
          );
        const suite = await readSuiteDir(suiteDir).catch((e: Error) => {
          throw new UsageError(e.message);
        });
        const routing = await readRoutingParams(v);
        await initBackend(typeof v.backend === 'string' ? v.backend : process.env.MUSAR_BACKEND);
        const { model, card } = await loadModelDir(modelDir);
        // an adapter folder's own card decides (not its base's): its scales were tuned with it
        const { steps, guidance, source } = resolveSampling(
          explicit,
          card.sampling,
          DEFAULT_SAMPLING,
        );
        const S = model.cfg.imageSize;
        if (suite.size !== S || suite.refSize !== S)
          throw new UsageError(
            `suite is ${suite.size}px with ${suite.refSize}px references; the model works at ${S}px`,
          );
        const items = suite.items.slice(0, intOption(v, 'count', suite.items.length, 1));
        const bs = intOption(v, 'batch', 4, 1);
        const seed = intOption(v, 'seed', 0);
        const t0 = Date.now();
        try {
          for (let i = 0; i < items.length; i += bs) {
            const chunk = items.slice(i, i + bs);
            const refs = await Promise.all(
              chunk.map((it) =>
                Promise.all(
                  it.references.map((p) => readPngFile(join(suiteDir, p), { width: S, height: S })),
                ),
              ),
            );
            // `base` items have no references: the prompt alone (conditions follow the references)
            const inputs = buildInputs(
              model.cfg,
              chunk.map((it, b) => ({
                prompt: it.prompt,
                subjects: refs[b]!.map((reference, i) => ({
                  condition: conditionText(it.subjects[i]!),
                  reference,
                })),
              })),
              tokenize,
            );
            const res = sample(model, inputs, {
              steps,
              guidance,
              method,
              seed: seed + i,
              ...(routing ? { routing } : {}),
            });
            const data = (await res.images.data()) as Float32Array;
            tf.dispose([res.images, ...Object.values(inputs)]);
            const g2 = (S / model.cfg.patchSize) ** 2;
            for (const [b, it] of chunk.entries()) {
              await writeAtomic(
                join(outDir, 'images', `${it.id}.png`),
                encodeRgbPng(toRgb(data, S, b * S * S * 3)),
              );
              if (res.routingMap)
                await writeAtomic(
                  join(outDir, 'images', `${it.id}.routing.json`),
                  JSON.stringify({
                    grid: Math.sqrt(g2),
                    map: Array.from(res.routingMap.slice(b * g2, (b + 1) * g2)),
                  }),
                );
            }
            io.err(`${Math.min(i + bs, items.length)}/${items.length} generated`);
          }
        } finally {
          model.dispose();
        }
        const summary = await writeEvalResults(
          outDir,
          suiteDir,
          items.map((it) => it.id),
          {
            model: card.name,
            modelDir,
            suite: suite.name,
            routing: routing ?? 'off',
            sampling: { steps, method, guidance, seed, source },
            seconds: (Date.now() - t0) / 1000,
          },
        );
        io.out(JSON.stringify(summary));
      },
    },
  },
};
